"""Re-compute a split's metrics from a saved run, with the vocabulary and config stored in its checkpoint:

    python evaluate.py runs/trec-20261127-101500 [--split test|validation|train] [data.root=...]
"""
from __future__ import annotations

from training import threads  # first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import json
from pathlib import Path

import torch

from errors import ConfigError, run_cli
from data.batching import EVAL_BATCH_SIZE, make_loader
from data.datasets import prepare
from data.formats import layout
from data.config import preset
from training import metrics
from training.checkpoint import load_checkpoint
from training.loop import gold_and_predicted
from inference.run import load_run
from training.device import resolve_device


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", type=Path)
    p.add_argument("--split", default="test", choices=["train", "validation", "test"], help="default: test")
    p.add_argument("overrides", nargs="*", help="data.* overrides, e.g. data.root=/path/to/data")
    args = p.parse_intermixed_args(argv)
    check_overrides(args.overrides, load_checkpoint(args.run_dir / "best.pt")["task"], args.run_dir)
    run = load_run(args.run_dir, args.overrides)
    threads.use(run.config.train.threads)  # the run's thread count: the same arithmetic as training's evaluation
    device = resolve_device(run.config.train.device if torch.cuda.is_available() else "cpu")  # a GPU run here: cpu
    dd, vocabs = prepare(run.config.data, run.vocabs)
    label_names = vocabs.scored_names()  # the model's labels, then those of this split it never saw (errors)
    loader = make_loader(dd[args.split], EVAL_BATCH_SIZE, shuffle=False)
    gold, pred = gold_and_predicted(run.model.to(device), loader, device)
    results = metrics.compute(gold, pred, label_names)
    print(metrics.report(gold, pred, label_names))
    print(json.dumps({f"{args.split}/{k}": v for k, v in results.items()}, indent=2))
    return results


def check_overrides(overrides: list[str], task: str, run_dir: Path) -> None:
    """Only data.* settings: which data to evaluate on and where it is (the others describe the saved model), and
    data of the run's ``task``."""
    data = {}
    for key, _, value in (map(str.strip, o.partition("=")) for o in overrides):
        if not key.startswith("data."):
            raise ConfigError(f"{key} (a command-line override): evaluate.py takes data.* overrides only, the data to "
                              f"evaluate on; the model is the one the run saved (train a new run to change it)")
        data[key[5:]] = value
    fmt = data.get("format") or ((preset(data["name"]) or {}).get("format") if "name" in data else None)
    given = data.get("task") or (layout(fmt).task if fmt else None)
    if given is not None and given != task:
        raise ConfigError(f"{data.get('name', 'the data')!r} is {given} data, and the run in {run_dir} is a {task} "
                          f"model: evaluate it on {task} data")


if __name__ == "__main__":
    run_cli(main)
