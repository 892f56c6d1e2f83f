"""The typed run config: one dataclass per component (each next to its code), merged from YAML + dotted
overrides by OmegaConf, which type-checks every value. Unknown keys fail with the list of valid ones."""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from errors import ConfigError
from data.config import DataConfig, require_data
from models.tasks import ModelConfig
from .loop import TrainConfig


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


SECTIONS = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}


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
            cfg = OmegaConf.merge(cfg, _checked(_load_yaml(path), f" in {path}"))
        if base is not None:
            cfg = OmegaConf.merge(cfg, base)
        cfg = OmegaConf.merge(cfg, _checked(OmegaConf.from_dotlist(list(overrides)), " (a command-line override)"))
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


def _load_yaml(path: str | Path) -> DictConfig:
    """The YAML file at ``path``: a mapping with some settings. A file that is not UTF-8 text, a syntax error (named
    path:line), an empty file and a list are ConfigErrors."""
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
    """``cfg`` if each section is a mapping and each setting a list exactly where it takes one (else OmegaConf's
    merge fails with a TypeError naming nothing, or a message about its own node types)."""
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


def to_dict(cfg: Config) -> dict:
    """Plain nested dict (safe to store in a weights_only checkpoint and to dump as YAML)."""
    return dataclasses.asdict(cfg)
