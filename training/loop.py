"""The plain training loop's parts: the recipe's settings and rules, `train_one_epoch`, and `gold_and_predicted` for
evaluation; training/trainer.py puts them together."""
from __future__ import annotations

import contextlib
import math
import signal
import time
from dataclasses import dataclass
from typing import Union

import torch
from tqdm.auto import tqdm

from errors import check_ranges
from . import metrics
from .threads import resolve as resolve_threads

TRAIN_RANGES = {"epochs": ">= 1", "batch_size": ">= 1", "lr": "> 0", "weight_decay": ">= 0", "clip_norm": "> 0",
                "patience": ">= 1", "lr_decay": "(0, 1]", "lr_patience": ">= 0", "max_steps": ">= 0",
                "max_minutes": ">= 0", "log_every": ">= 1", "num_workers": ">= 0"}


@dataclass
class TrainConfig:
    epochs: int = 20
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.01
    clip_norm: float = 5.0
    patience: int = 4           # early stopping: epochs without a better dev score (counted once it has learned)
    lr_decay: float = 0.5       # multiply the lr by this when dev stops improving (ReduceLROnPlateau); 1.0: never
    lr_patience: int = 2        # flat epochs tolerated before the lr decays (counted once it has learned)
    select_metric: str = "auto"  # dev metric that picks the best checkpoint (training/metrics.py); auto: entity_f1
                                 # for BIO tags (NER, chunks), exact_match for joint intent + slots, else accuracy
    seed: int = 1
    device: str = "auto"        # auto | cpu | cuda | cuda:1 ...
    threads: Union[int, str] = "auto"  # CPU intra-op threads: auto (one, training/threads.py) or a number; the
                                       # run's numbers depend on it, never on OMP_NUM_THREADS
    max_steps: int = 0          # > 0: stop after this many steps in total (smoke tests)
    max_minutes: float = 0.0    # > 0: a safety cap: stop after the epoch during which training time passed this
                                # budget. It makes a result depend on the machine's speed: no committed config sets it
    log_every: int = 50         # steps between train/loss_step points in TensorBoard
    amp: bool = False           # bf16 autocast for the training forward; evaluation stays float32. CPU: needs
                                # bf16 support; faster at 1 thread, not at 2 (docs/speed.md)
    num_workers: int = 0        # DataLoader worker processes; 0: collate in the training process (collate is
                                # cheaper than a worker's hand-over on a few cores: docs/speed.md)
    device_data: bool = False   # put each split on the device once and slice batches there (data/device_loader.py):
                                # the same batches, no per-step collate or host-to-device copy (for GPUs)

    def __post_init__(self):
        check_ranges("train", self, TRAIN_RANGES)
        if self.device != "auto":
            try:
                torch.device(self.device)
            except RuntimeError:
                raise ValueError(f"train.device must be auto, cpu, cuda or cuda:N, got {self.device!r}") from None
        resolve_threads(self.threads)
        if self.device_data and self.num_workers:
            raise ValueError("train.device_data slices batches on the device: it takes no train.num_workers")
        if self.select_metric not in ("auto", *metrics.METRIC_NAMES):
            raise ValueError(f"train.select_metric must be auto or one of {', '.join(metrics.METRIC_NAMES)}, "
                             f"got {self.select_metric!r}")


@dataclass
class Progress:
    """Where training stands: with the weights, optimizer and RNG states, all that an exact resume needs."""
    epoch: int = 1              # the epoch in progress (1-based)
    batch: int = 0              # batches of that epoch already trained
    step: int = 0               # optimizer steps in total
    best: float = -math.inf     # best dev score so far
    bad_epochs: int = 0         # epochs since the best one, once it has learned (see `learning`)
    first: float = -math.inf    # the first evaluation's dev score
    seconds: float = 0.0        # training time so far (the steps alone), across resumes
    eval_seconds: float = 0.0   # the epochs' dev evaluations so far (metrics and TensorBoard's scores included)
    save_seconds: float = 0.0   # the epochs' checkpoint saves so far (best.pt, last.pt)
    world_size: int = 1         # processes training together (torchrun); a mid-epoch resume needs as many

    @property
    def learning(self) -> bool:
        """Has a dev score beaten the first one? Until then no epoch counts as flat: neither early stopping nor the
        lr decay may end a run before its dev metric first moves (rare labels can keep it at 0 for epochs)."""
        return self.best > self.first


@contextlib.contextmanager
def clock(progress: Progress, field: str):
    """Adds the time spent inside to ``progress.<field>`` (e.g. eval_seconds)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        setattr(progress, field, getattr(progress, field) + time.perf_counter() - start)


def without_times(results: dict) -> dict:
    """metrics.json less its clocks (train_seconds, eval_seconds, save_seconds): what two runs of the same config
    on the same machine must share, bit for bit."""
    return {k: v for k, v in results.items() if not k.endswith("_seconds")}


def make_scheduler(optimizer: torch.optim.Optimizer, cfg: TrainConfig):
    """ReduceLROnPlateau on the dev score: lr x lr_decay after more than lr_patience flat epochs; None for
    lr_decay 1.0 (no decay)."""
    if cfg.lr_decay == 1.0:
        return None
    return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=cfg.lr_decay,
                                                      patience=cfg.lr_patience)


def record_dev_score(progress: Progress, score: float, scheduler=None) -> bool:
    """Book an epoch's dev score in `progress` (best, flat epochs) and step the lr schedule. Returns True when it is
    the best so far (the caller saves best.pt).

    The first evaluation sets ``progress.first``; until a later one beats it (`Progress.learning`), flat epochs are
    not counted and the scheduler is not stepped, so a run waits for its model to start learning.
    """
    first = progress.first == -math.inf
    if first:
        progress.first = score
    improved = score > progress.best
    if improved:
        progress.best, progress.bad_epochs = score, 0
    elif progress.learning:
        progress.bad_epochs += 1
    if scheduler is not None and (first or progress.learning):
        scheduler.step(score)
    return improved


def stop_reason(progress: Progress, cfg: TrainConfig) -> str | None:
    """Why training stops before the epoch `progress` is at, or None to go on: a cap (max_steps, max_minutes),
    train.patience flat epochs (counted once it has learned), or train.epochs done."""
    if cfg.max_steps and progress.step >= cfg.max_steps:
        return f"train.max_steps={cfg.max_steps} reached"
    if cfg.max_minutes and progress.seconds >= 60 * cfg.max_minutes:
        return f"train.max_minutes={cfg.max_minutes:g} reached ({progress.seconds / 60:.1f} min of training)"
    if progress.epoch > cfg.epochs:
        return f"train.epochs={cfg.epochs} done"
    if progress.bad_epochs >= cfg.patience:
        return f"early stopping: {progress.bad_epochs} epochs without a better dev score (train.patience=" \
               f"{cfg.patience})"
    return None


def finished(progress: Progress, cfg: TrainConfig) -> bool:
    """Stop before the epoch `progress` is at? (`stop_reason` says why.)"""
    return stop_reason(progress, cfg) is not None


class StopOnSignal:
    """Ctrl-C (SIGINT) and SIGTERM set `requested`; the loop finishes its step, then stops cleanly."""

    def __init__(self):
        self.requested, self.signum, self._old = False, None, {}

    def _handle(self, signum, frame):
        self.requested, self.signum = True, signum

    def __enter__(self):
        for s in (signal.SIGINT, signal.SIGTERM):
            self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc):
        for s, old in self._old.items():
            signal.signal(s, old)


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """AdamW, fused: one kernel over all parameters (CPU and CUDA). The unfused CPU default builds per-tensor
    temporaries, a large share of a small model's step with a big embedding (docs/speed.md)."""
    return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)


def train_step(model, optimizer, batch, cfg: TrainConfig) -> torch.Tensor:
    """One optimizer step on a batch already on the model's device; returns the loss (no host sync)."""
    with torch.autocast(batch.tokens.device.type, dtype=torch.bfloat16, enabled=cfg.amp):
        _, loss = model(batch)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
    optimizer.step()
    return loss


def train_one_epoch(model, loader, optimizer, cfg: TrainConfig, writer, progress: Progress, device,
                    stop: StopOnSignal) -> dict:
    """Train from batch `progress.batch` of epoch `progress.epoch` to the epoch's end (or a stop request).

    Updates `progress` in place. Returns {loss, tokens_per_s, seconds} for the batches trained in this call.
    Raises FloatingPointError naming the step if the loss stops being finite.
    """
    model.train()
    loader.batch_sampler.set_epoch(progress.epoch, start=progress.batch)  # a resume skips what was done
    loss_sum, batches, tokens, start = torch.zeros((), device=device), 0, 0, time.perf_counter()
    bad_step = torch.full((), -1, device=device)  # first step whose loss was not finite, found without a sync
    quiet = torch.distributed.is_initialized() and torch.distributed.get_rank() > 0  # one bar, rank 0's
    for batch in tqdm(loader, desc=f"epoch {progress.epoch}", leave=False, mininterval=2, disable=quiet):
        loss = train_step(model, optimizer, batch.to(device), cfg)
        progress.batch, progress.step = progress.batch + 1, progress.step + 1
        loss_sum += loss.detach()  # no .item() per step: no host sync on the hot path
        bad_step = torch.where((bad_step < 0) & ~loss.detach().isfinite(), progress.step, bad_step)
        batches, tokens = batches + 1, tokens + int(batch.lengths.sum())
        if progress.step % cfg.log_every == 0:
            _check_finite(bad_step, progress)
            writer.add_scalar("train/loss_step", loss.item(), progress.step)
        if stop.requested or (cfg.max_steps and progress.step >= cfg.max_steps):
            break
    _check_finite(bad_step, progress)
    seconds = time.perf_counter() - start
    progress.seconds += seconds
    return {"loss": loss_sum.item() / max(batches, 1), "tokens_per_s": tokens / seconds, "seconds": seconds}


def _check_finite(bad_step: torch.Tensor, progress: Progress) -> None:
    if (step := int(bad_step)) >= 0:
        raise FloatingPointError(f"loss is NaN or infinite at step {step} (epoch {progress.epoch}); training stopped")


@torch.no_grad()
def gold_and_predicted(model, loader, device) -> tuple[dict, dict]:
    """Gold and predicted label ids over a loader, per label field: {"tags": [[id, ...], ...]} and/or
    {"label": [id, ...]} (predictions may carry more, e.g. "probability")."""
    model.eval()
    gold, pred = {}, {}
    for batch in loader:
        for out, new in ((gold, batch.gold()), (pred, model.predict(batch.to(device)))):
            for field, values in new.items():
                out.setdefault(field, []).extend(values)
    return gold, pred

