"""Train a tagger or classifier from a YAML config:

    python train.py configs/trec.yaml [section.key=value ...] [--run-dir runs/NAME]
    python train.py --resume runs/NAME          # continue an interrupted run exactly where it stopped
    python train.py --resume runs/NAME train.epochs=30   # ... or extend it (overrides apply on resume too)
    python train.py configs/trec.yaml --run-dir runs/NAME --overwrite   # replace the run in runs/NAME

config -> datasets -> vocab -> model -> loop (early stopping on dev) -> best checkpoint -> test -> metrics.json
"""
from __future__ import annotations

from training import threads  # first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import json
import random
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf
from torch.utils.tensorboard import SummaryWriter

from data.batching import make_loader
from data.datasets import prepare, resolve_text, task_of
from data.download import vectors_file
from data.readers import DataFormatError
from data.vectors import load_vectors
from models.heads import balanced_class_weights
from models.tasks import build_model
from training import distributed, metrics, rundir, tensorboard
from training.checkpoint import RESUME_KEYS, CheckpointError, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from training.config import Config, ConfigError, load_config, to_dict
from training.loop import (NothingLearned, Progress, finished, make_optimizer, make_scheduler, predict,
                           record_dev_score, train_one_epoch)

NUM_EXAMPLES = 5  # dev sentences shown with their predictions in TensorBoard
# errors in what the user gave (config, data, run dir, checkpoint, disk): one line on the command line
USER_ERRORS = (ConfigError, DataFormatError, CheckpointError, rundir.RunDirError, OSError)


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


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    return torch.device(("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name)


def check_device(name: str) -> None:
    """Training starts only on a device this machine has (a saved run loads anywhere: evaluate, predict)."""
    if name == "auto" or (device := torch.device(name)).type != "cuda":
        return
    if not torch.cuda.is_available():
        raise ConfigError(f"train.device={name}: this machine has no CUDA device (torch {torch.__version__}); "
                          f"use train.device=auto or cpu")
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(f"train.device={name}: this machine has {torch.cuda.device_count()} CUDA device(s)")


def main(argv=None) -> dict:
    """Returns the final metrics, or {"interrupted": signal number} if a signal stopped the run."""
    args = parse_args(argv)
    resume = load_checkpoint(Path(args.resume) / "last.pt", RESUME_KEYS) if args.resume else None
    cfg: Config = load_config(args.config, args.overrides, base=resume["config"] if resume else None)
    num_threads = threads.use(cfg.train.threads)  # before any work: the thread count changes the arithmetic
    check_device(cfg.train.device)
    cfg.data = resolve_text(cfg.data, resume["config"]["data"] if resume else None)  # the checkpoint names them
    device = distributed.setup(resolve_device(cfg.train.device))  # torchrun: join the group (cuda:LOCAL_RANK)
    run_dir = Path(distributed.broadcast_object(  # rank 0's name: the default holds the start time
        args.resume or args.run_dir or f"runs/{Path(args.config).stem}-{time.strftime('%Y%m%d-%H%M%S')}"))
    if distributed.is_main():
        rundir.check(run_dir, resume, to_dict(cfg), args.overwrite)  # writes nothing
    set_seed(cfg.train.seed + distributed.rank())  # own dropout per rank; DDP gives every rank rank 0's weights

    task = task_of(cfg.data)
    with distributed.main_first():  # rank 0 fills the datasets cache (and downloads), the others then read it
        vectors = None if resume or not cfg.model.vectors else \
            vectors_file(cfg.model.vectors, cfg.data.root, cfg.data.download, cfg.model.embed_dim)  # a file or a name
        dd, vocabs = prepare(cfg.data, chars=cfg.model.char_filters > 0, iob2=cfg.model.crf)
    if resume:
        rundir.check_vocabs(run_dir, vocabs, resume)
    words, label_names = vocabs.words, vocabs.label_names()
    metric = metrics.check_select_metric(cfg.train.select_metric, label_names)
    if distributed.is_main():
        rundir.claim(run_dir, bool(resume), args.overwrite)
        rundir.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(to_dict(cfg)))
    share = dict(pin_memory=device.type == "cuda", **distributed.shard())  # this rank's batches
    train_loader = make_loader(dd["train"], cfg.train.batch_size, shuffle=True, seed=cfg.train.seed,
                               num_workers=cfg.train.num_workers, **share)
    dev_loader, test_loader = (make_loader(dd[s], 256, shuffle=False, **share) for s in ("validation", "test"))
    weights = _class_weights(cfg, dd["train"], label_names)
    model = build_model(task, len(words), label_names, cfg.model, len(vocabs.chars or []), weights).to(device)
    optimizer = make_optimizer(model, cfg.train)
    scheduler = make_scheduler(optimizer, cfg.train)  # None: no lr decay
    progress = Progress()
    if resume:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        if scheduler is not None and resume.get("scheduler"):
            scheduler.load_state_dict(resume["scheduler"])
        progress = Progress(**resume["progress"])
        set_rng_state(distributed.own_rng_state(resume["rng"]))
        print(f"resuming {run_dir} at epoch {progress.epoch}, batch {progress.batch} (step {progress.step})")
    elif cfg.model.vectors:
        coverage = load_vectors(vectors, words, model.encoder.embedding.weight)
        print(f"vectors {vectors}: {coverage}")
    distributed.check_progress(progress)
    train_model = distributed.wrap(model, device)  # DDP or model; predict and state_dict use the unwrapped model
    print(f"{task} on {cfg.data.name}: {', '.join(f'{k} {len(v)}' for k, v in dd.items())} | vocab {len(words)} | "
          f"labels {', '.join(f'{k} {len(v)}' for k, v in label_names.items())} | "
          f"params {sum(p.numel() for p in model.parameters()):,} | {num_threads} CPU thread(s)")

    def checkpoint(**extra) -> dict:
        return {"model": model.state_dict(), "config": to_dict(cfg), "task": task, **vocabs.to_dict(),
                "progress": asdict(progress), **extra}

    def save_last() -> None:  # everything an exact resume needs
        rng = distributed.rng_states(rng_state())  # every rank's, gathered
        if distributed.is_main():
            save_checkpoint(checkpoint(optimizer=optimizer.state_dict(), rng=rng,
                                       scheduler=None if scheduler is None else scheduler.state_dict()),
                            run_dir / "last.pt")

    writer = (SummaryWriter(run_dir, purge_step=progress.step if resume else None) if distributed.is_main()
              else distributed.NoWriter())  # only rank 0 logs
    writer.add_text("data/splits", ", ".join(f"{k} {len(v)}" for k, v in dd.items()), 0)
    if not resume and cfg.model.vectors:
        writer.add_text("vectors/coverage", f"{cfg.model.vectors}: {coverage}", 0)
    examples = [dd["validation"][i] for i in range(min(NUM_EXAMPLES, len(dd["validation"])))]
    done = finished(progress, cfg.train)
    with distributed.stop_on_signal() as stop:
        while not done:
            try:
                stats = train_one_epoch(train_model, train_loader, optimizer, cfg.train, writer, progress, device, stop)
                stats = distributed.reduce_stats(stats)
            except FloatingPointError as e:
                sys.exit(f"{e}. The last good checkpoints stay: {run_dir / 'last.pt'} (start of epoch "
                         f"{progress.epoch}) and {run_dir / 'best.pt'}.")
            if stop.requested:
                save_last()
                writer.close()
                print(f"\n{signal.Signals(stop.signum).name}: stopped after step {progress.step} (epoch "
                      f"{progress.epoch}, batch {progress.batch}); saved {run_dir / 'last.pt'}.\n"
                      f"Resume with: {distributed.launcher()} train.py --resume {run_dir}")
                return {"interrupted": stop.signum}
            gold, pred = distributed.gather(*predict(model, dev_loader, device))
            dev = metrics.compute(gold, pred, label_names)
            _log_epoch(writer, progress, stats, dev, optimizer)
            tensorboard.log_label_scores(writer, gold, pred, label_names, progress.step)
            tensorboard.log_examples(writer, model, examples, label_names, progress.step, device)
            improved = record_dev_score(progress, dev[metric], scheduler)  # best, flat epochs, lr decay
            print(f"epoch {progress.epoch:2d} | loss {stats['loss']:.4f} | {stats['tokens_per_s']:,.0f} tok/s | "
                  f"dev {metric} {dev[metric]:.4f}{' *' if improved else ''} | {progress.seconds:.0f}s")
            if improved and distributed.is_main():
                save_checkpoint(checkpoint(), run_dir / "best.pt")
            ended_early = progress.batch < len(train_loader)  # max_steps reached mid-epoch
            progress.epoch, progress.batch = progress.epoch + 1, 0
            save_last()
            done = ended_early or finished(progress, cfg.train)

    distributed.assert_replicas_equal(model)  # and a barrier: rank 0 has written best.pt
    results = _final_evaluation(model, label_names, {"dev": dev_loader, "test": test_loader}, run_dir, device)
    results.update(train_seconds=progress.seconds, epochs=progress.epoch - 1, threads=num_threads)
    tensorboard.log_embeddings(writer, model, words, progress.step)
    tensorboard.log_hparams(writer, _flat_config(cfg), results)
    writer.close()
    if distributed.is_main():
        rundir.write_text(run_dir / "metrics.json", json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2), f"\nrun dir: {run_dir}")
    rundir.release(run_dir)
    smoke_test = bool(cfg.train.max_steps) and progress.step >= cfg.train.max_steps
    if progress.best <= 0 and not smoke_test:
        raise NothingLearned(f"the best dev {metric} stayed {progress.best:.4f} in {progress.epoch - 1} epochs: this "
                             f"run learned nothing to report (rare labels? try more train.epochs or a higher "
                             f"train.lr); {run_dir / 'metrics.json'} is written for inspection")
    return results


def _class_weights(cfg: Config, train, label_names: dict) -> torch.Tensor | None:
    """model.class_weights=balanced: (C,) sentence-label loss weights from the training split's label counts."""
    if cfg.model.class_weights == "none" or "label" not in label_names:
        return None
    weights = balanced_class_weights(torch.tensor(list(train["label_ids"])), len(label_names["label"]))
    print("class weights: " + ", ".join(f"{n} {w:.2f}" for n, w in zip(label_names["label"], weights.tolist())))
    return weights


def _log_epoch(writer, progress: Progress, stats: dict, dev: dict, optimizer) -> None:
    """Epoch-level scalars; the x axis is the optimizer step everywhere, so resumed runs line up."""
    for k, v in stats.items():
        writer.add_scalar(f"train/{k}", v, progress.step)
    for k, v in dev.items():
        writer.add_scalar(f"dev/{k}", v, progress.step)
    writer.add_scalar("train/lr", optimizer.param_groups[0]["lr"], progress.step)
    writer.add_scalar("train/epoch", progress.epoch, progress.step)


def _final_evaluation(model, label_names: dict, loaders: dict, run_dir: Path, device) -> dict:
    """Dev and test metrics of the best checkpoint; per-label reports next to metrics.json."""
    best = load_checkpoint(run_dir / "best.pt")
    model.load_state_dict(best["model"])
    results = {"best_epoch": best["progress"]["epoch"]}
    for split, loader in loaders.items():
        gold, pred = distributed.gather(*predict(model, loader, device))
        results.update({f"{split}/{k}": v for k, v in metrics.compute(gold, pred, label_names).items()})
        if distributed.is_main():
            rundir.write_text(run_dir / f"report_{split}.txt", metrics.report(gold, pred, label_names))
    return results


def _flat_config(cfg: Config) -> dict:
    """{"model.hidden_size": 256, ...} for the HParams tab."""
    return {f"{section}.{k}": v for section, values in to_dict(cfg).items() for k, v in values.items()}


if __name__ == "__main__":
    try:
        out = main()
    except NothingLearned as e:
        sys.exit(f"warning: {e}")
    except USER_ERRORS as e:
        sys.exit(f"error: {e}")
    sys.exit(128 + out["interrupted"] if "interrupted" in out else 0)
