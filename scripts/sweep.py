"""A table of runs: one training run per (variant, seed), then dev and test scores side by side.

    python -m scripts.sweep configs/trec.yaml --out runs/sweep-trec --seeds 1 2 3 \\
        --variant "base:" --variant "chars: model.char_filters=50 data.lowercase=false"

A variant is `NAME: override override ...` (dotted config overrides, none for the config as it is). Finished
runs (metrics.json present) are reused and interrupted ones (last.pt) resumed, so a sweep continues where it
stopped. Pick a variant by its dev score; the test column is what you report. Writes OUT/sweep.md and prints it.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from training.config import load_config
from training.loop import NothingLearned
from training.trainer import fit, resume_fit


def run_or_reuse(config: str, overrides: list[str], run_dir: Path) -> dict:
    """metrics.json of the run in run_dir, training it first (`fit`) unless it has finished: an interrupted
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


def mean_std(values: list[float]) -> str:
    """Percentages: `mean ±std` over seeds (just the value for one seed)."""
    pct = [100 * v for v in values]
    return f"{statistics.mean(pct):.2f}" + (f" ±{statistics.stdev(pct):.2f}" if len(pct) > 1 else "")


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
    metrics = args.metrics or [load_config(args.config).train.select_metric]

    head = ["variant", "overrides"] + [f"{s}/{m}" for m in metrics for s in ("dev", "test")]
    rows = ["| " + " | ".join(head + ["test per seed", "epochs", "minutes"]) + " |", "|---" * (len(head) + 3) + "|"]
    for name, overrides in args.variants:
        runs = [run_or_reuse(args.config, [*overrides, f"train.seed={seed}"], args.out / f"{name}-seed{seed}")
                for seed in args.seeds]
        scores = [mean_std([r[f"{s}/{m}"] for r in runs]) for m in metrics for s in ("dev", "test")]
        per_seed = ", ".join(f"{100 * r[f'test/{metrics[0]}']:.1f}" for r in runs)
        epochs = ", ".join(str(r["epochs"]) for r in runs)
        minutes = statistics.mean(r["train_seconds"] for r in runs) / 60
        rows.append(f"| {name} | `{' '.join(overrides)}` | " + " | ".join(scores)
                    + f" | {per_seed} | {epochs} | {minutes:.1f} |")
    table = "\n".join(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sweep.md").write_text(table + "\n")
    print(table)
    return table


if __name__ == "__main__":
    main()
