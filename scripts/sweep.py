"""A table of runs: one training run per (variant, seed), then dev and test scores side by side.

    python -m scripts.sweep configs/trec.yaml --out runs/sweep-trec --seeds 1 2 3 \\
        --variant "base:" --variant "chars: model.char_filters=50 data.lowercase=false"

A variant is `NAME: override override ...` (dotted config overrides, none for the config as it is). Finished
runs (metrics.json present) are reused and interrupted ones (last.pt) resumed, so a sweep continues where it
stopped (Ctrl-C: run the same command again); a run dir whose config.yaml differs from what is asked now is
refused, never reused. Pick a variant by its dev score; the test column is what you report. Writes OUT/sweep.md
and prints it.
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import dataclasses
import json
import signal
import statistics
from pathlib import Path

from omegaconf import OmegaConf

from data.config import resolve_text
from errors import ConfigError, NothingLearned, RunDirError, run_cli
from scripts.results import mean_std
from training.checkpoint import load_checkpoint
from training.config import load_config
from training.metrics import METRIC_NAMES, resolve_select_metric
from training.resume import resume_fit
from training.trainer import fit


def check_reusable(config: str, overrides: list[str], run_dir: Path) -> None:
    """A RunDirError if run_dir holds a finished or interrupted run whose config is not the one `fit_or_reuse` would
    train now: its numbers, or its resume, would be another run's."""
    if not ((run_dir / "metrics.json").exists() or (run_dir / "last.pt").exists()):
        return
    if differ := differing(run_config(run_dir), config_of(config, overrides)):
        raise RunDirError(f"{run_dir} holds a run with other settings ({differ}); choose another --out, or remove "
                          f"{run_dir} to train it again")


def config_of(config: str, overrides: list[str]) -> dict:
    """{"section.key": value} of the config `fit` trains for these, as it writes it to a run's config.yaml."""
    cfg = load_config(config, overrides)
    cfg = dataclasses.replace(cfg, data=resolve_text(cfg.data))
    return _flat(OmegaConf.to_container(OmegaConf.create(dataclasses.asdict(cfg))))


def run_config(run_dir: Path) -> dict:
    """{"section.key": value} of the run in run_dir: its config.yaml, else its best.pt's config."""
    if (run_dir / "config.yaml").is_file():
        return _flat(OmegaConf.to_container(OmegaConf.load(run_dir / "config.yaml")))
    if (run_dir / "best.pt").is_file():
        return _flat(load_checkpoint(run_dir / "best.pt")["config"])
    raise RunDirError(f"{run_dir}: no config.yaml or best.pt says what this run trained")


def differing(saved: dict, asked: dict, ignore: tuple[str, ...] = (), words: tuple[str, str] = ("there", "now")) -> str:
    """The keys whose values differ ("key=X there, Y now; ..."), "" if none does."""
    return "; ".join(f"{k}={saved.get(k)!r} {words[0]}, {asked.get(k)!r} {words[1]}"
                     for k in sorted(set(asked) | set(saved)) if k not in ignore and asked.get(k) != saved.get(k))


def _flat(config: dict) -> dict:
    return {f"{section}.{key}": value for section, keys in config.items() for key, value in (keys or {}).items()}


def fit_or_reuse(config: str, overrides: list[str], run_dir: Path) -> dict:
    """metrics.json of the run in run_dir, training it first (`fit`) unless it has finished (sweeps): an interrupted
    run (last.pt) is resumed, one killed before its first checkpoint is started again (the callers refuse a run of
    other settings first, every run before any training: `check_reusable`). A signal's {"interrupted": N} is
    returned as it is. A run that learned nothing (NothingLearned) is reported with a warning and its metrics kept,
    so one failed variant does not end a sweep."""
    out = {}
    try:
        if (run_dir / "last.pt").exists() and not (run_dir / "metrics.json").exists():
            out = resume_fit(run_dir, overrides)
        elif not (run_dir / "metrics.json").exists():
            out = fit(load_config(config, overrides), run_dir, overwrite=True)
    except NothingLearned as e:
        print(f"warning: {run_dir}: {e}")
    return out if "interrupted" in out else json.loads((run_dir / "metrics.json").read_text())


def stopped(out: dict, run_dir: Path) -> dict:
    """What a sweep interrupted in run_dir prints (train.py's resume command is for that one run only)."""
    print(f"{signal.Signals(out['interrupted']).name}: the sweep stopped in {run_dir}. Run the same command again to "
          f"continue it: finished runs are reused and {run_dir.name} resumed from its last.pt")
    return out


def check_metrics(names: list[str], reported: list[str]) -> None:
    """A ConfigError for a metric name the runs do not report."""
    if missing := [m for m in names if m not in reported]:
        raise ConfigError(f"these runs report no {', '.join(missing)}; their metrics: {', '.join(reported)}")


def metric_name(text: str) -> str:
    if text not in METRIC_NAMES:
        raise argparse.ArgumentTypeError(f"{text!r} is no metric; choose from {', '.join(METRIC_NAMES)}")
    return text


def parse_variant(text: str) -> tuple[str, list[str]]:
    name, sep, overrides = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"a variant is 'NAME: key=value ...', got {text!r}")
    return name.strip(), overrides.split()


def main(argv=None) -> str | dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("--variant", type=parse_variant, action="append", required=True, dest="variants")
    p.add_argument("--seeds", type=int, nargs="+", default=[1])
    p.add_argument("--metrics", type=metric_name, nargs="+",
                   help="metric names without split (default: the config's select_metric)")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    plan = [(name, [*overrides, f"train.seed={seed}"], args.out / f"{name}-seed{seed}")
            for name, overrides in args.variants for seed in args.seeds]
    for _, overrides, run_dir in plan:  # before any training
        check_reusable(args.config, overrides, run_dir)
    runs = {}
    for name, overrides, run_dir in plan:
        out = fit_or_reuse(args.config, overrides, run_dir)  # Diverged ends the sweep (run_cli), finished runs kept
        if "interrupted" in out:
            return stopped(out, run_dir)
        runs.setdefault(name, []).append(out)
    reported = [k.removeprefix("dev/") for k in runs[args.variants[0][0]][0] if k.startswith("dev/")]
    metrics = args.metrics or [resolve_select_metric(load_config(args.config).train.select_metric, reported)]
    check_metrics(metrics, reported)
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
