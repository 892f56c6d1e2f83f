"""The typed run config: one dataclass per component (each next to its code), merged from YAML + dotted
overrides by OmegaConf, which type-checks every value. Unknown keys fail with the list of valid ones."""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import torch
import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from errors import ConfigError, check_ranges
from data.config import DataConfig, require_data
from models.tasks import ModelConfig
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
    select_metric: str = "auto"  # dev metric that picks best.pt; auto: exact_match, entity_f1 or accuracy
    seed: int = 1
    device: str = "auto"        # auto | cpu | cuda | cuda:1 ...
    threads: Union[int, str] = "auto"  # CPU intra-op threads: auto (one: training/threads.py) or a number
    max_steps: int = 0          # > 0: stop after this many steps in total (smoke tests)
    max_minutes: float = 0.0    # > 0: stop after the epoch that passed this training time (no config sets it:
                                # a result would depend on the machine's speed)
    log_every: int = 50         # steps between train/loss_step points in TensorBoard
    amp: bool = False           # bf16 autocast for the training forward (docs/speed.md); evaluation stays float32
    num_workers: int = 0        # DataLoader worker processes; 0: collate in the training process (docs/speed.md)
    device_data: bool = False   # put each split on the device once, slice batches there (data/device_loader.py)

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
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


SECTIONS = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}


def load_config(path: str | Path | None = None, overrides: list[str] = (), base: dict | None = None) -> Config:
    """Defaults <- a YAML file or a stored dict (``base``) <- ``section.key=value`` overrides -> a checked `Config`."""
    for o in overrides:
        if "=" not in o:
            raise ConfigError(f"override {o!r} is not of the form section.key=value")
    try:
        cfg = OmegaConf.structured(Config)
        if path is not None:
            cfg = OmegaConf.merge(cfg, _checked(_load_yaml(path), f" in {path}"))
        if base is not None:
            cfg = OmegaConf.merge(cfg, base)
        cfg = OmegaConf.merge(cfg, _checked(OmegaConf.from_dotlist(list(overrides)), " (a command-line override)"))
        cfg = OmegaConf.to_object(cfg)  # runs each dataclass's __post_init__ checks
        require_data(cfg.data)
        return cfg
    except ConfigKeyError as e:
        key = e.full_key or str(e)
        typed = any(f"{o.split('=', 1)[0].strip()}.".startswith(f"{key}.") for o in overrides)  # not in the file
        where = " (a command-line override)" if typed else f" in {path}" if path else ""
        section = SECTIONS.get(key.split(".")[0]) if "." in key else None  # a key outside them: the sections
        raise ConfigError(f"unknown config key {key!r}{where}; valid keys here: "
                          f"{', '.join(f.name for f in dataclasses.fields(section or Config))}") from None
    except OmegaConfBaseException as e:
        where = f"config key {e.full_key!r}" if e.full_key else f"{path or 'config'}"
        raise ConfigError(f"{where}: {str(e).splitlines()[0]}") from None
    except ValueError as e:  # a dataclass's __post_init__ check: its message names the key
        raise ConfigError(str(e)) from None


def _load_yaml(path: str | Path) -> DictConfig:
    """The YAML mapping at ``path``; anything else (binary, a syntax error, empty, a list) is a ConfigError."""
    data = Path(path).read_bytes()
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, data.index(b"\0"), data.index(b"\0") + 1, "a NUL byte")
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not a YAML text file ({e.reason} at byte {e.start}; binary, or not UTF-8): give "
                          f"a config such as configs/trec.yaml") from None
    try:
        cfg = OmegaConf.load(io.StringIO(text))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else f"{path}"
        raise ConfigError(f"{where}: not valid YAML ({getattr(e, 'problem', None) or e})") from None
    if not isinstance(cfg, DictConfig) or not cfg:
        raise ConfigError(f"{path}: {'empty' if not cfg else 'a list'}: a config maps sections to settings, at least "
                          f"its data (e.g. data: {{name: trec}}); see configs/*.yaml")
    return cfg


def _checked(cfg: DictConfig, where: str) -> DictConfig:
    """``cfg`` if each section is a mapping and each setting a list exactly where it takes one (OmegaConf's own
    errors would name nothing)."""
    for section, values in cfg.items():
        if section not in SECTIONS:
            continue  # an unknown section: the merge names it
        if not isinstance(values, DictConfig):
            raise ConfigError(f"config section {section!r}{where} must map settings to values ({section}: {{key: "
                              f"value}}), got {_kind(values)}")
        types = {f.name: str(f.type) for f in dataclasses.fields(SECTIONS[section])}
        for key, value in values.items():
            wants_list = "list" in types.get(key, "")
            if key in types and value is not None and wants_list != isinstance(value, ListConfig):
                raise ConfigError(f"config key '{section}.{key}'{where}: expected "
                                  f"{'a list, e.g. [a, b]' if wants_list else 'one value'}, got {_kind(value)}")
    return cfg


def _kind(value) -> str:
    if value is None:
        return "nothing (an empty section: remove it, or give it settings)"
    return "a mapping" if isinstance(value, DictConfig) else "a list" if isinstance(value, ListConfig) else repr(value)
