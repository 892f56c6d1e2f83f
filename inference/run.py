"""A saved run, loaded back: RUN_DIR/best.pt -> config -> vocabularies -> model, in one place.

predict.py (through `inference.predictor.Predictor`), evaluate.py, export.py and scripts/typed_text.py start here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from data.config import resolve_text
from data.vocab import Vocabs
from models.tasks import build_model
from training.checkpoint import load_checkpoint
from training.config import Config
from training.saved import load_weights, saved_config


@dataclass
class Run:
    model: nn.Module   # the task model with best.pt's weights, in eval mode, on load_run's device
    vocabs: Vocabs     # words, chars (None without a char-CNN), one label vocabulary per label field
    config: Config     # the run's config (with any overrides), data.tokenizer resolved
    task: str          # tagging | classification | joint
    path: Path         # the run directory
    saved_config: dict  # the config as best.pt stores it (a setting added to the code since is absent)


def load_run(run_dir: str | Path, overrides: list[str] = (), device: str | torch.device = "cpu") -> Run:
    """Rebuild a run's best model from RUN_DIR/best.pt (loaded onto the CPU: GPU-trained runs load anywhere), with
    dotted config ``overrides``, e.g. ``data.root=/elsewhere`` to evaluate on data that moved."""
    path = Path(run_dir)
    ckpt = load_checkpoint(path / "best.pt")
    cfg = saved_config(ckpt["config"], path / "best.pt", overrides)
    cfg.data = resolve_text(cfg.data)
    vocabs = Vocabs.from_dict(ckpt)
    model = build_model(ckpt["task"], len(vocabs.words), vocabs.label_names(), cfg.model, vocabs.num_chars,
                        frozen_words=vocabs.words.frozen)
    load_weights(model, ckpt["model"], path / "best.pt")
    return Run(model.to(device).eval(), vocabs, cfg, ckpt["task"], path, ckpt["config"])
