"""A training run from start to end: `fit(cfg, run_dir)` (train.py is its command line; scripts call it too).

setup (training/setup.py) -> each epoch: train, dev score, best.pt if it is the best, last.pt, until
`training.loop.stop_reason` says stop (SIGINT/SIGTERM: last.pt, stop) -> best.pt on dev and test: metrics.json,
report_*.txt, TensorBoard's projector and HParams tab.
"""
from __future__ import annotations

import json
import signal
from dataclasses import asdict
from pathlib import Path

from errors import Diverged, NothingLearned
from . import metrics, rundir, tensorboard, threads
from .checkpoint import load_checkpoint
from .config import Config
from .loop import clock, gold_and_predicted, record_dev_score, stop_reason, train_one_epoch
from .setup import Trainer, setup


def fit(cfg: Config, run_dir: str | Path, resume: dict | None = None, overwrite: bool = False) -> dict:
    """Train cfg's model in run_dir: the final metrics (metrics.json), or {"interrupted": signal number} (last.pt
    saved). ``resume``: last.pt's dict, to continue it (training/resume.py). Raises NothingLearned and Diverged."""
    t = setup(cfg, run_dir, resume, overwrite)
    with t.group.stop_on_signal() as stop:
        while stop_reason(t.progress, cfg.train) is None:
            stats = train_epoch(t, stop)                            # this process's share of the epoch's batches
            if stop.requested:
                t.save_last()
                return interrupted(t, stop.signum)
            with clock(t.progress, "eval_seconds"):
                score = evaluate_dev(t, stats)                      # fresh dev metrics, every epoch
            improved = record_dev_score(t.progress, score, t.scheduler)  # best, flat epochs, lr decay
            print(f"epoch {t.progress.epoch:2d} | loss {stats['loss']:.4f} | {stats['tokens_per_s']:,.0f} tok/s | "
                  f"dev {t.metric} {score:.4f}{' *' if improved else ''} | {t.progress.seconds:.0f}s")
            with clock(t.progress, "save_seconds"):
                if improved:
                    t.save_best()
                t.progress.epoch, t.progress.batch = t.progress.epoch + 1, 0
                t.save_last()
    try:
        return finish(t)
    except KeyboardInterrupt:  # Ctrl-C after the training: best.pt and last.pt are saved, only the evaluation is lost
        return interrupted(t, signal.SIGINT, trained=True)


def train_epoch(t: Trainer, stop) -> dict:
    """`training.loop.train_one_epoch` on this process, its stats averaged over processes."""
    try:
        stats = train_one_epoch(t.train_model, t.loaders["train"], t.optimizer, t.cfg.train, t.writer, t.progress,
                                t.device, stop, progress_bar=t.group.is_main)
    except FloatingPointError as e:
        if not (t.run_dir / "last.pt").exists():  # epoch 1 of a new run: nothing saved yet
            raise Diverged(f"{e}. No checkpoint was saved yet: lower train.lr, or check model.vectors") from None
        raise Diverged(f"{e}. The last good checkpoints stay: {t.run_dir / 'last.pt'} (start of epoch "
                       f"{t.progress.epoch}) and {t.run_dir / 'best.pt'}.") from None
    return t.group.reduce_stats(stats)


def evaluate(t: Trainer, split: str) -> tuple[dict, dict, dict]:
    """Gold and predicted labels of ``split`` (every process's share) under the current weights, and their metrics."""
    gold, pred = t.group.gather(*gold_and_predicted(t.model, t.loaders[split], t.device))
    return gold, pred, metrics.compute(gold, pred, t.vocabs.scored_names())


def evaluate_dev(t: Trainer, stats: dict) -> float:
    """The dev metrics of the current weights, logged with the epoch's training stats; returns the select metric."""
    gold, pred, dev = evaluate(t, "validation")
    label_names = t.vocabs.scored_names()  # the model's labels, then those it never saw (errors)
    step = t.progress.step  # the x axis is the optimizer step everywhere, so resumed runs line up
    for k, v in [*(("train/" + k, v) for k, v in stats.items()), *(("dev/" + k, v) for k, v in dev.items())]:
        t.writer.add_scalar(k, v, step)
    t.writer.add_scalar("train/lr", t.optimizer.param_groups[0]["lr"], step)
    t.writer.add_scalar("train/epoch", t.progress.epoch, step)
    tensorboard.log_label_scores(t.writer, gold, pred, label_names, step)
    tensorboard.log_examples(t.writer, t.model, t.examples, label_names, step, t.device)
    return dev[t.metric]


def finish(t: Trainer) -> dict:
    """best.pt's dev and test scores -> metrics.json, report_*.txt (rank 0); NothingLearned if dev never left 0."""
    t.group.check_replicas(t.model)  # and a barrier: rank 0 has written best.pt
    best = t.group.broadcast(  # rank 0's file: other nodes need not see its disk
        load_checkpoint(t.run_dir / "best.pt") if t.group.is_main else None)
    t.model.load_state_dict(best["model"])
    results = {"best_epoch": best["progress"]["epoch"]}
    for split, name in (("validation", "dev"), ("test", "test")):
        gold, pred, scores = evaluate(t, split)
        if t.group.is_main:
            rundir.write_text(t.run_dir / f"report_{name}.txt", metrics.report(gold, pred, t.vocabs.scored_names()))
        results.update({f"{name}/{k}": v for k, v in scores.items()})
    results.update(train_seconds=t.progress.seconds, eval_seconds=t.progress.eval_seconds,
                   save_seconds=t.progress.save_seconds, epochs=t.progress.epoch - 1,
                   threads=threads.resolve(t.cfg.train.threads))
    tensorboard.log_embeddings(t.writer, t.model, t.vocabs.words, t.progress.step)
    tensorboard.log_hparams(t.writer, asdict(t.cfg), results)
    t.writer.close()
    if t.group.is_main:
        rundir.write_text(t.run_dir / "metrics.json", json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2), f"\nrun dir: {t.run_dir}")
    print(f"stopped after epoch {t.progress.epoch - 1}: {stop_reason(t.progress, t.cfg.train)}; best.pt is epoch "
          f"{results['best_epoch']} (dev {t.metric} {t.progress.best:.4f})")
    rundir.release(t.run_dir)
    smoke_test = bool(t.cfg.train.max_steps) and t.progress.step >= t.cfg.train.max_steps
    if t.progress.best <= 0 and not smoke_test:
        raise NothingLearned(f"the best dev {t.metric} stayed {t.progress.best:.4f} in {t.progress.epoch - 1} epochs: "
                             f"this run learned nothing to report (rare labels? try more train.epochs or a higher "
                             f"train.lr); {t.run_dir / 'metrics.json'} is written for inspection")
    return results


def interrupted(t: Trainer, signum: int, trained: bool = False) -> dict:
    """A signal's end: where it stopped, and the command that continues the run (or, once trained, evaluates it)."""
    t.writer.close()
    name, last, command = signal.Signals(signum).name, t.run_dir / "last.pt", t.group.resume_command(t.run_dir)
    if trained:
        print(f"\n{name}: stopped during the final evaluation; the training is over and saved "
              f"({t.run_dir / 'best.pt'}, {last}).\nEvaluate with: {command}   (it trains nothing)")
    else:
        print(f"\n{name}: stopped after step {t.progress.step} (epoch {t.progress.epoch}, batch {t.progress.batch}); "
              f"saved {last}.\nResume with: {command}")
    return {"interrupted": signum}
