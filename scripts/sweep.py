"""A table of runs: one training run per (variant, seed), then dev and test scores side by side.

    python -m scripts.sweep configs/trec.yaml --out runs/sweep-trec --seeds 1 2 3 \\
        --variant "base:" --variant "chars: model.char_filters=50 data.lowercase=false"

A variant is `NAME: override override ...` (dotted config overrides, none for the config as it is). Finished
runs (metrics.json present) are reused and interrupted ones (last.pt) resumed, so a sweep continues where it
stopped. Pick a variant by its dev score; the test column is what you report. Writes OUT/sweep.md and prints it.
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import json
import statistics
import sys
from pathlib import Path

from errors import Diverged, NothingLearned, run_cli
from scripts.results import mean_std
from training.config import load_config
from training.metrics import resolve_select_metric
from training.resume import resume_fit
from training.trainer import fit



def fit_or_reuse(config: str, overrides: list[str], run_dir: Path) -> dict:
    """metrics.json of the run in run_dir, training it first (`fit`) unless it has finished (sweeps): an interrupted
    run (last.pt) is resumed, one killed before its first checkpoint is started again. A run that learned nothing
    (NothingLearned) is reported with a warning and its metrics kept, so one failed variant does not end a sweep."""
    try:
        if (run_dir / "last.pt").exists() and not (run_dir / "metrics.json").exists():
            resume_fit(run_dir, overrides)
        elif not (run_dir / "metrics.json").exists():
            fit(load_config(config, overrides), run_dir, overwrite=True)
    except NothingLearned as e:
        print(f"warning: {run_dir}: {e}")
    return json.loads((run_dir / "metrics.json").read_text())

def parse_variant(text: str) -> tuple[str, list[str]]:
    name, sep, overrides = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"a variant is 'NAME: key=value ...', got {text!r}")
    return name.strip(), overrides.split()


def main(argv=None) -> str:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("--variant", type=parse_variant, action="append", required=True, dest="variants")
    p.add_argument("--seeds", type=int, nargs="+", default=[1])
    p.add_argument("--metrics", nargs="+", help="metric names without split (default: the config's select_metric)")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    runs = {}
    for name, overrides in args.variants:
        try:
            runs[name] = [fit_or_reuse(args.config, [*overrides, f"train.seed={seed}"], args.out / f"{name}-seed{seed}")
                          for seed in args.seeds]
        except Diverged as e:  # as train.py: the message, and the sweep stops (its finished runs are kept)
            sys.exit(str(e))
    reported = [k.removeprefix("dev/") for k in runs[args.variants[0][0]][0] if k.startswith("dev/")]
    metrics = args.metrics or [resolve_select_metric(load_config(args.config).train.select_metric, reported)]
    table = "\n".join(table_rows(args.variants, runs, metrics))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sweep.md").write_text(table + "\n")
    print(table)
    return table


def table_rows(variants: list[tuple[str, list[str]]], runs: dict, metrics: list[str]) -> list[str]:
    """The markdown table: per variant, dev and test of each metric (mean ±std), test per seed, epochs, minutes."""
    head = ["variant", "overrides"] + [f"{s}/{m}" for m in metrics for s in ("dev", "test")]
    rows = ["| " + " | ".join(head + ["test per seed", "epochs", "minutes"]) + " |", "|---" * (len(head) + 3) + "|"]
    for name, overrides in variants:
        scores = [mean_std([r[f"{s}/{m}"] for r in runs[name]]) for m in metrics for s in ("dev", "test")]
        per_seed = ", ".join(f"{100 * r[f'test/{metrics[0]}']:.1f}" for r in runs[name])
        epochs = ", ".join(str(r["epochs"]) for r in runs[name])
        minutes = statistics.mean(r["train_seconds"] for r in runs[name]) / 60
        rows.append(f"| {name} | `{' '.join(overrides)}` | " + " | ".join(scores)
                    + f" | {per_seed} | {epochs} | {minutes:.1f} |")
    return rows


if __name__ == "__main__":
    run_cli(main)
