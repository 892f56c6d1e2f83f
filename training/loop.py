"""The plain training loop: `train_one_epoch` and `evaluate`, nothing hidden."""
from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from . import metrics


@dataclass
class TrainConfig:
    epochs: int = 20
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.01
    clip_norm: float = 5.0
    patience: int = 4           # early stopping: epochs without a better dev score
    lr_decay: float = 0.5       # multiply the lr by this when dev stops improving (ReduceLROnPlateau)
    select_metric: str = "accuracy"  # dev metric that picks the best checkpoint
    seed: int = 1
    device: str = "auto"        # auto | cpu | cuda | cuda:1 ...
    max_steps: int = 0          # > 0: stop each epoch after this many steps in total (smoke tests)
    log_every: int = 50         # steps between train/loss points in TensorBoard

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("train.epochs and train.batch_size must be >= 1")
        if self.select_metric not in ("accuracy", "macro_f1"):
            raise ValueError(f"train.select_metric must be accuracy or macro_f1, got {self.select_metric!r}")


def train_one_epoch(model, loader, optimizer, cfg: TrainConfig, writer, step: int, device) -> tuple[int, dict]:
    """One pass over `loader`. Returns the global step and {loss, tokens_per_s} for the epoch."""
    model.train()
    loss_sum, batches, tokens, start = torch.zeros((), device=device), 0, 0, time.perf_counter()
    for batch in tqdm(loader, desc="train", leave=False, mininterval=2):
        batch = batch.to(device)
        _, loss = model(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
        optimizer.step()
        loss_sum += loss.detach()  # no .item() here: no host sync per step
        batches, tokens, step = batches + 1, tokens + int(batch.lengths.sum()), step + 1
        if step % cfg.log_every == 0:  # the epoch mean goes to train/loss (x = epoch) in train.py
            writer.add_scalar("train/loss_step", loss.item(), step)
        if cfg.max_steps and step >= cfg.max_steps:
            break
    seconds = time.perf_counter() - start
    return step, {"loss": loss_sum.item() / max(batches, 1), "tokens_per_s": tokens / seconds}


@torch.no_grad()
def predict(model, loader, device) -> tuple[list, list]:
    """Gold and predicted label ids over a loader (ids per token for taggers, one id for classifiers)."""
    model.eval()
    gold, pred = [], []
    for batch in loader:
        pred += model.predict(batch.to(device))
        if batch.labels.dim() == 2:  # tagging: drop the -100 padding
            gold += [row[:n].tolist() for row, n in zip(batch.labels, batch.lengths.tolist())]
        else:
            gold += batch.labels.tolist()
    return gold, pred


def evaluate(model, loader, task: str, num_labels: int, device) -> dict[str, float]:
    """Metrics computed fresh from the current weights, every time."""
    gold, pred = predict(model, loader, device)
    return metrics.compute(task, gold, pred, num_labels)
