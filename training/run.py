"""A saved run, loaded back: RUN_DIR/best.pt -> config -> vocabularies -> model, in one place.

predict.py (through `training.predictor.Predictor`), evaluate.py, export.py and scripts/typed_text.py start from
`load_run`; training resumes from last.pt instead (`training.trainer.resume_fit`). `resolve_device` and
`check_device` turn ``train.device`` into a device, for training and for evaluate.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from data.datasets import resolve_text
from data.vocab import Vocabs
from models.tasks import build_model
from .checkpoint import load_checkpoint
from .config import Config, ConfigError, load_config


@dataclass
class Run:
    model: nn.Module   # the task model with best.pt's weights, in eval mode, on load_run's device
    vocabs: Vocabs     # words, chars (None without a char-CNN), one label vocabulary per label field
    config: Config     # the run's config (with any overrides), data.tokenizer resolved
    task: str          # tagging | classification | joint
    path: Path         # the run directory
    saved_config: dict  # the config as best.pt stores it (a setting added to the code since is absent)


def load_run(run_dir: str | Path, overrides: list[str] = (), device: str | torch.device = "cpu") -> Run:
    """Rebuild a run's best model from RUN_DIR/best.pt (loaded onto the CPU, so GPU-trained runs load anywhere).

    ``overrides``: dotted config overrides, e.g. ``data.root=/elsewhere`` to evaluate on data that moved.
    A run saved before ``data.tokenizer`` existed gets the whitespace split it was trained with.
    """
    path = Path(run_dir)
    ckpt = load_checkpoint(path / "best.pt")
    cfg = load_config(base=ckpt["config"], overrides=list(overrides))
    cfg.data = resolve_text(cfg.data, ckpt["config"]["data"])
    vocabs = Vocabs.from_dict(ckpt)
    model = build_model(ckpt["task"], len(vocabs.words), vocabs.label_names(), cfg.model, vocabs.num_chars,
                        frozen_words=vocabs.words.frozen)
    model.load_state_dict(ckpt["model"])
    return Run(model.to(device).eval(), vocabs, cfg, ckpt["task"], path, ckpt["config"])


def resolve_device(name: str) -> torch.device:
    """``train.device`` -> a device: auto is cuda where there is one, else cpu."""
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
