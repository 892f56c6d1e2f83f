"""The training loop's parts: the recipe's rules (progress, dev scores, lr decay, when to stop), `train_one_epoch`
and `gold_and_predicted`; training/trainer.py puts them together."""
from __future__ import annotations

import contextlib
import math
import signal
import time
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .config import TrainConfig


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
        """Has a dev score beaten the first one? Until then no epoch counts as flat (rare labels can keep the dev
        metric at 0 for epochs: docs/training.md)."""
        return self.best > self.first


@contextlib.contextmanager
def clock(progress: Progress, field: str):
    """Adds the time spent inside to ``progress.<field>``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        setattr(progress, field, getattr(progress, field) + time.perf_counter() - start)


def make_scheduler(optimizer: torch.optim.Optimizer, cfg: TrainConfig):
    """ReduceLROnPlateau on the dev score (lr x lr_decay after more than lr_patience flat epochs); None: no decay."""
    if cfg.lr_decay == 1.0:
        return None
    return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=cfg.lr_decay,
                                                      patience=cfg.lr_patience)


def record_dev_score(progress: Progress, score: float, scheduler=None) -> bool:
    """Book an epoch's dev score in `progress` and step the lr schedule; True when it is the best so far. Until a
    score beats the first one (`Progress.learning`), flat epochs are not counted and the scheduler not stepped."""
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
    """Why training stops before the epoch `progress` is at, or None to go on."""
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


class StopOnSignal:
    """Ctrl-C (SIGINT) and SIGTERM set `requested`; the loop finishes its step, then stops cleanly."""
    requested, signum = False, None

    def _handle(self, signum, frame):
        self.requested, self.signum = True, signum

    def __enter__(self):
        self._old = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
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
                    stop: StopOnSignal, progress_bar: bool = True) -> dict:
    """Train from batch `progress.batch` of epoch `progress.epoch` to the epoch's end (or a stop request), updating
    `progress`: {loss, tokens_per_s, seconds} of this call's batches. A loss not finite: FloatingPointError."""
    model.train()
    loader.batch_sampler.set_epoch(progress.epoch, start=progress.batch)  # a resume skips what was done
    loss_sum, batches, tokens, start = torch.zeros((), device=device), 0, 0, time.perf_counter()
    bad_step = torch.full((), -1, device=device)  # first step whose loss was not finite, found without a sync
    for batch in tqdm(loader, desc=f"epoch {progress.epoch}", leave=False, mininterval=2,
                      disable=None if progress_bar else True):  # None: not on a pipe or file
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
    """Gold and predicted label ids per field: {"tags": [[id, ...], ...]} and/or {"label": [id, ...]} (pred: more)."""
    model.eval()
    gold, pred = {}, {}
    for batch in loader:
        for out, new in ((gold, batch.gold()), (pred, model.predict(batch.to(device)))):
            for field, values in new.items():
                out.setdefault(field, []).extend(values)
    return gold, pred

