"""Train a tagger or classifier from a YAML config:

    python train.py configs/trec.yaml [section.key=value ...] [--run-dir runs/NAME]

config -> datasets -> vocab -> model -> loop (early stopping on dev) -> best checkpoint -> test -> metrics.json
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf
from torch.utils.tensorboard import SummaryWriter

from data.batching import make_loader
from data.datasets import prepare, task_of
from models.tasks import build_model
from training import metrics
from training.checkpoint import load_checkpoint, save_checkpoint
from training.config import Config, load_config, to_dict
from training.loop import evaluate, predict, train_one_epoch


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="YAML config, e.g. configs/trec.yaml")
    p.add_argument("overrides", nargs="*", help="dotted overrides, e.g. train.lr=1e-3 model.rnn=gru")
    p.add_argument("--run-dir", help="where logs, checkpoint and metrics go (default runs/<config>-<time>)")
    return p.parse_intermixed_args(argv)


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    return torch.device(("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name)


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg: Config = load_config(args.config, args.overrides)
    run_dir = Path(args.run_dir or f"runs/{Path(args.config).stem}-{time.strftime('%Y%m%d-%H%M%S')}")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(to_dict(cfg)))
    set_seed(cfg.train.seed)
    device = resolve_device(cfg.train.device)

    task = task_of(cfg.data)
    dd, words, labels = prepare(cfg.data)
    train_loader = make_loader(dd["train"], cfg.train.batch_size, shuffle=True, seed=cfg.train.seed)
    dev_loader, test_loader = (make_loader(dd[s], 256, shuffle=False) for s in ("validation", "test"))
    model = build_model(task, len(words), len(labels), cfg.model).to(device)
    print(f"{task} on {cfg.data.name}: {', '.join(f'{k} {len(v)}' for k, v in dd.items())} | "
          f"vocab {len(words)} | labels {len(labels)} | params {sum(p.numel() for p in model.parameters()):,}")

    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.train.lr, weight_decay=cfg.train.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=cfg.train.lr_decay,
                                                           patience=0)
    writer = SummaryWriter(run_dir)
    ckpt_path, metric = run_dir / "best.pt", cfg.train.select_metric
    best, bad_epochs, step, start = -1.0, 0, 0, time.perf_counter()
    for epoch in range(1, cfg.train.epochs + 1):
        train_loader.batch_sampler.set_epoch(epoch)
        step, stats = train_one_epoch(model, train_loader, optimizer, cfg.train, writer, step, device)
        dev = evaluate(model, dev_loader, task, len(labels), device)
        for k, v in {**{f"train/{k}": v for k, v in stats.items()}, **{f"dev/{k}": v for k, v in dev.items()},
                     "train/lr": optimizer.param_groups[0]["lr"]}.items():
            writer.add_scalar(k, v, epoch)
        improved = dev[metric] > best
        print(f"epoch {epoch:2d} | loss {stats['loss']:.4f} | {stats['tokens_per_s']:,.0f} tok/s | "
              f"dev {metric} {dev[metric]:.4f}{' *' if improved else ''} | {time.perf_counter() - start:.0f}s")
        if improved:
            best, bad_epochs = dev[metric], 0
            save_checkpoint({"model": model.state_dict(), "config": to_dict(cfg), "task": task,
                             "words": words.to_dict(), "labels": labels.to_dict(),
                             "epoch": epoch, "best_metric": best}, ckpt_path)
        else:
            bad_epochs += 1
        scheduler.step(dev[metric])
        if bad_epochs >= cfg.train.patience or (cfg.train.max_steps and step >= cfg.train.max_steps):
            break

    best_ckpt = load_checkpoint(ckpt_path)
    model.load_state_dict(best_ckpt["model"])
    results = {"train_seconds": time.perf_counter() - start, "epochs": epoch, "best_epoch": best_ckpt["epoch"]}
    for split, loader in (("dev", dev_loader), ("test", test_loader)):
        gold, pred = predict(model, loader, device)
        results.update({f"{split}/{k}": v for k, v in metrics.compute(task, gold, pred, len(labels)).items()})
        (run_dir / f"report_{split}.txt").write_text(metrics.report(task, gold, pred, labels.itos))
    writer.add_hparams(_flat_config(cfg), {f"hparam/{k}": v for k, v in results.items() if "/" in k}, run_name=".")
    writer.close()
    (run_dir / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2), f"\nrun dir: {run_dir}")
    return results


def _flat_config(cfg: Config) -> dict:
    """{"model.hidden_size": 256, ...} with TensorBoard-friendly values (None -> "none")."""
    flat = {}
    for section, values in to_dict(cfg).items():
        for k, v in values.items():
            flat[f"{section}.{k}"] = "none" if v is None else v
    return flat


if __name__ == "__main__":
    main()
