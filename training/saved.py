"""A checkpoint read back (best.pt by inference/run.py, last.pt by a --resume): the config it stores and weights
that fit, each refused in one line naming the file. A new run imports neither."""
from __future__ import annotations

from pathlib import Path

import torch

from errors import CheckpointError, ConfigError
from .config import Config, load_config


def saved_config(config: dict, path: Path, overrides: list[str] = ()) -> Config:
    """The config a checkpoint stores, with ``overrides``; one this code cannot read is a CheckpointError naming
    ``path``."""
    try:
        cfg = load_config(base=config)
    except ConfigError as e:
        raise CheckpointError(f"{path}: its config does not fit this code ({e}): a checkpoint of another version "
                              f"of it?") from None
    return load_config(None, list(overrides), base=config) if overrides else cfg


def load_weights(module: torch.nn.Module, state: dict, path: str | Path) -> None:
    """``module.load_state_dict(state)``; weights that do not fit are a CheckpointError naming the keys at fault."""
    own = module.state_dict()
    shaped = [k for k in sorted(set(own) & set(state))
              if not isinstance(state[k], torch.Tensor) or state[k].shape != own[k].shape]
    problems = [f"{what} {', '.join(keys[:3])}{', ...' if len(keys) > 3 else ''}" for what, keys in (
        ("no", sorted(set(own) - set(state))), ("unknown", sorted(set(state) - set(own))),
        ("another shape for", shaped)) if keys]
    if problems:
        raise CheckpointError(f"{path}: its weights do not fit the model its config describes: {'; '.join(problems)} "
                              f"(written by another version of this code, or edited?)")
    module.load_state_dict(state)
