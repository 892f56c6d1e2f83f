"""Measured ablation: which vector should a sentence classifier read? Same config, same seeds, one switch.

    python -m scripts.ablation configs/trec.yaml --seeds 1 2 3 --out runs/ablation-trec [key=value ...]

Trains one run per (model.sentence_vector, seed) through `training.trainer.fit` (finished runs are reused, as
scripts/sweep.py does; a run dir of other settings is refused), then prints a markdown table of test accuracy:
mean, standard deviation and the per-seed values.
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from training import threads  # noqa: F401  first: OpenMP's wait policy before torch loads
from errors import run_cli
from models.heads import SENTENCE_VECTORS
from scripts.sweep import check_metrics, check_reusable, fit_or_reuse, stopped
from training.metrics import METRIC_NAMES

DESCRIPTION = {
    "h_n": "`cat(h_n[-2], h_n[-1])` (the default)",
    "output_last": "`output[:, -1]` of the padded output (the bug)",
    "forward": "`h_n[-2]`: forward direction only",
    "mean": "mean of `output` over real tokens",
    "max": "max of `output` over real tokens",
}


def main(argv=None) -> str | dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("overrides", nargs="*")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--vectors", nargs="+", default=list(SENTENCE_VECTORS), choices=SENTENCE_VECTORS)
    p.add_argument("--metric", default="test/accuracy", metavar="SPLIT/NAME",
                   choices=[f"{split}/{name}" for split in ("dev", "test") for name in METRIC_NAMES])
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_intermixed_args(argv)

    plan = [(vector, [*args.overrides, f"model.sentence_vector={vector}", f"train.seed={seed}"],
             args.out / f"{vector}-seed{seed}") for vector in args.vectors for seed in args.seeds]
    for _, overrides, run_dir in plan:  # before any training
        check_reusable(args.config, overrides, run_dir)
    scores = {}
    for vector, overrides, run_dir in plan:
        run = fit_or_reuse(args.config, overrides, run_dir)
        if "interrupted" in run:
            return stopped(run, run_dir)
        check_metrics([args.metric], [k for k in run if k.startswith(("dev/", "test/"))])
        scores.setdefault(vector, []).append(run[args.metric])
    rows = [f"| sentence vector | {args.metric} mean | std | per seed ({', '.join(map(str, args.seeds))}) |",
            "|---|---|---|---|"]
    for vector, values in scores.items():
        pct = [100 * v for v in values]
        std = statistics.stdev(pct) if len(pct) > 1 else 0.0
        rows.append(f"| {DESCRIPTION[vector]} | {statistics.mean(pct):.2f} | {std:.2f} | "
                    f"{', '.join(f'{v:.1f}' for v in pct)} |")
    table = "\n".join(rows)
    (args.out / "ablation.md").write_text(table + "\n")
    print(table)
    return table


if __name__ == "__main__":
    run_cli(main)
