"""Train a tagger or classifier from a YAML config:

    python train.py configs/trec.yaml [section.key=value ...] [--run-dir runs/NAME]
    python train.py --resume runs/NAME          # continue an interrupted run exactly where it stopped
    python train.py --resume runs/NAME train.epochs=30   # ... or extend it (overrides apply on resume too)
    python train.py configs/trec.yaml --run-dir runs/NAME --overwrite   # replace the run in runs/NAME

config -> datasets -> vocab -> model -> loop (early stopping on dev) -> best checkpoint -> test -> metrics.json:
the steps are `training.trainer.fit`, this file is its command line.
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import time
from pathlib import Path

from errors import run_cli
from training.config import load_config
from training.trainer import fit


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", nargs="?", help="YAML config, e.g. configs/trec.yaml")
    p.add_argument("overrides", nargs="*", help="dotted overrides, e.g. train.lr=1e-3 model.rnn=gru")
    p.add_argument("--run-dir", help="where logs, checkpoints and metrics go (default runs/<config>-<time>)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last.pt")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in --run-dir (its files)")
    args = p.parse_intermixed_args(argv)
    if args.overwrite and args.resume:
        p.error("--overwrite replaces a run, --resume continues it: give one")
    if args.resume and args.config:  # with --resume there is no config file: the first word is an override
        args.config, args.overrides = None, [args.config, *args.overrides]
    if args.config is None and args.resume is None:
        p.error("give a config, or --resume RUN_DIR")
    return args


def main(argv=None) -> dict:
    """Returns the final metrics, or {"interrupted": signal number} if a signal stopped the run."""
    args = parse_args(argv)
    if args.resume:
        from training.resume import resume_fit  # only a resume reads it
        return resume_fit(args.resume, args.overrides)
    run_dir = args.run_dir or f"runs/{Path(args.config).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    return fit(load_config(args.config, args.overrides), run_dir, overwrite=args.overwrite)


if __name__ == "__main__":
    run_cli(main)
