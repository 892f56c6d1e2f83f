"""Re-compute a split's metrics from a saved run, with the vocabulary and config stored in its checkpoint:

    python evaluate.py runs/trec-20261127-101500 [--split test|validation|train] [data.root=...]
"""
from __future__ import annotations

from training import threads  # first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import json
from pathlib import Path

import torch

from data.batching import make_loader
from data.datasets import prepare, resolve_text
from data.vocab import Vocabs
from models.tasks import build_model
from training import metrics
from training.checkpoint import load_checkpoint
from training.config import load_config
from training.loop import predict
from train import resolve_device


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", type=Path)
    p.add_argument("--split", default="test", choices=["train", "validation", "test"])
    p.add_argument("overrides", nargs="*", help="data.* overrides, e.g. data.root=/path/to/data")
    args = p.parse_intermixed_args(argv)

    ckpt = load_checkpoint(args.run_dir / "best.pt")
    cfg = load_config(base=ckpt["config"], overrides=args.overrides)
    threads.use(cfg.train.threads)  # the run's thread count: the same arithmetic as training's evaluation
    cfg.data = resolve_text(cfg.data, ckpt["config"]["data"])  # a run saved before data.tokenizer: whitespace
    dd, vocabs = prepare(cfg.data, Vocabs.from_dict(ckpt))
    device = resolve_device(cfg.train.device if torch.cuda.is_available() else "cpu")  # a GPU run on a CPU: cpu
    label_names = vocabs.label_names()
    model = build_model(ckpt["task"], len(vocabs.words), label_names, cfg.model, len(vocabs.chars or []))
    model.load_state_dict(ckpt["model"])
    model.to(device)

    gold, pred = predict(model, make_loader(dd[args.split], 256, shuffle=False), device)
    results = metrics.compute(gold, pred, label_names)
    print(metrics.report(gold, pred, label_names))
    print(json.dumps({f"{args.split}/{k}": v for k, v in results.items()}, indent=2))
    return results


if __name__ == "__main__":
    main()
