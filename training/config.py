"""The typed run config: one dataclass per component (each next to its code), merged from YAML + dotted
overrides by OmegaConf, which type-checks every value. Unknown keys fail with the list of valid ones."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from data.config_checks import ConfigError
from data.datasets import DataConfig, require_data
from models.tasks import ModelConfig
from .loop import TrainConfig


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


def _valid_keys(full_key: str) -> list[str]:
    """The field names of the section that `full_key` (e.g. 'train.lrr') tried to set."""
    node = Config
    for part in full_key.split(".")[:-1]:
        fields = {f.name: f for f in dataclasses.fields(node)}
        if part not in fields or not dataclasses.is_dataclass(fields[part].default_factory):
            break
        node = fields[part].default_factory
    return [f.name for f in dataclasses.fields(node)]


def load_config(path: str | Path | None = None, overrides: list[str] = (), base: dict | None = None) -> Config:
    """Defaults <- a YAML file or a stored dict (``base``) <- ``section.key=value`` overrides -> a checked `Config`."""
    for o in overrides:
        if "=" not in o:
            raise ConfigError(f"override {o!r} is not of the form section.key=value")
    try:
        cfg = OmegaConf.structured(Config)
        if path is not None:
            cfg = OmegaConf.merge(cfg, _load_yaml(path))
        if base is not None:
            cfg = OmegaConf.merge(cfg, base)
        cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(list(overrides)))
        cfg = OmegaConf.to_object(cfg)  # runs each dataclass's __post_init__ checks
        require_data(cfg.data)
        return cfg
    except ConfigKeyError as e:
        key = e.full_key or str(e)
        typed = any(o.split("=", 1)[0].strip() == key for o in overrides)  # on the command line, not in the file
        where = " (a command-line override)" if typed else f" in {path}" if path else ""
        raise ConfigError(f"unknown config key {key!r}{where}; valid keys here: "
                          f"{', '.join(_valid_keys(key))}") from None
    except OmegaConfBaseException as e:
        where = f"config key {e.full_key!r}" if e.full_key else f"{path or 'config'}"
        raise ConfigError(f"{where}: {str(e).splitlines()[0]}") from None
    except ValueError as e:  # a dataclass's __post_init__ check: its message names the key
        raise ConfigError(str(e)) from None


def _load_yaml(path: str | Path):
    """The YAML file at ``path``; a syntax error is a ConfigError naming path:line."""
    try:
        return OmegaConf.load(path)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else f"{path}"
        raise ConfigError(f"{where}: not valid YAML ({getattr(e, 'problem', None) or e})") from None


def to_dict(cfg: Config) -> dict:
    """Plain nested dict (safe to store in a weights_only checkpoint and to dump as YAML)."""
    return dataclasses.asdict(cfg)
