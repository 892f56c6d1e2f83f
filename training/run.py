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

from errors import CheckpointError, ConfigError
from data.config import resolve_text
from data.vocab import Vocabs
from models.tasks import build_model
from .checkpoint import load_checkpoint, load_weights
from .config import Config, load_config


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
    """
    path = Path(run_dir)
    ckpt = load_checkpoint(path / "best.pt")
    saved_config(ckpt["config"], path / "best.pt")
    cfg = load_config(base=ckpt["config"], overrides=list(overrides))
    cfg.data = resolve_text(cfg.data)
    vocabs = Vocabs.from_dict(ckpt)
    model = build_model(ckpt["task"], len(vocabs.words), vocabs.label_names(), cfg.model, vocabs.num_chars,
                        frozen_words=vocabs.words.frozen)
    load_weights(model, ckpt["model"], path / "best.pt")
    return Run(model.to(device).eval(), vocabs, cfg, ckpt["task"], path, ckpt["config"])


def saved_config(config: dict, path: Path) -> Config:
    """The config a checkpoint stores, checked: one this code cannot read (a key of newer code, a value out of
    range) is a CheckpointError naming ``path``."""
    try:
        return load_config(base=config)
    except ConfigError as e:
        raise CheckpointError(f"{path}: its config does not fit this code ({e}): a checkpoint of another version "
                              f"of it?") from None


def resolve_device(name: str) -> torch.device:
    """``train.device`` -> a device: auto is cuda where there is one, else cpu."""
    return torch.device(("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name)


def bf16_supported(device: torch.device) -> bool:
    """Can train.amp (bf16 autocast) run here? On a CPU it needs oneDNN's bf16 kernels, which CPUs without AVX-512
    lack (the LSTM then fails with "could not create a primitive descriptor")."""
    return device.type != "cpu" or torch.ops.mkldnn._is_mkldnn_bf16_supported()


def check_amp(amp: bool, device: torch.device) -> None:
    if amp and not bf16_supported(device):
        raise ConfigError(f"train.amp=true: this CPU has no bf16 support (torch finds "
                          f"{torch.backends.cpu.get_cpu_capability()}); set train.amp=false")


def check_device(name: str, setting: str = "train.device", instead: str = "auto or cpu") -> None:
    """Training (``train.device``) and predict.py (``--device``) start only on a device this machine has (a saved
    run loads anywhere)."""
    try:
        device = torch.device("cpu" if name == "auto" else name)
    except RuntimeError:
        raise ConfigError(f"{setting}={name}: not a device (cpu, cuda, cuda:N)") from None
    if device.type != "cuda":
        return
    if not torch.cuda.is_available():
        raise ConfigError(f"{setting}={name}: this machine has no CUDA device (torch {torch.__version__}); "
                          f"use {setting}={instead}")
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(f"{setting}={name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
