"""The data settings (`DataConfig`) and what follows from them: the task, how text is split into tokens, and for a
named dataset (``data.name`` alone: data/named.py) the preset that fills what the config leaves unset."""
from __future__ import annotations

import codecs
import dataclasses
from dataclasses import dataclass
from typing import Optional

from errors import ConfigError, check_ranges, needs_part
from . import text
from .formats import MODULES, SETTINGS, TAG_SCHEMES, TASKS, layout, readers_of

HUB_SETTINGS = ("token_column", "tag_column", "text_column", "label_column")  # what data.hub_id reads (data/hub.py)
WHICH_DATA = ("set data.name to a named dataset (atis, conll2003, sst2, trec, ud_en_ewt), or for your own files "
              "data.format with data.train_file and data.test_file (or data.test_fraction), or data.hub_id")


@dataclass
class DataConfig:
    name: Optional[str] = None            # a named dataset (data/named.py); with data.format or data.hub_id a label
    root: Optional[str] = None            # folder of the named datasets (None: docs/data.md, "Getting the data")
    download: bool = False                # fetch a missing named dataset (and named model.vectors) from its source
    format: Optional[str] = None          # a layout of data/formats/ (csv, conllu, ...); None: the preset's
    train_file: Optional[str] = None      # your files: absolute, or relative to data.root if set, else to the cwd
    validation_file: Optional[str] = None  # None: dev_fraction of train is held out
    test_file: Optional[str] = None       # (seq_in_out, class_files, class_folders: a folder)
    test_fraction: Optional[float] = None  # no test file: this fraction of train_file is test (data/splits.py)
    encoding: str = "utf-8"               # of the files (strict); e.g. utf-8-sig, cp1252, latin-1, utf-16
    classes: Optional[list[str]] = None   # class_files / class_folders: read only these classes (None: all)
    token_column: Optional[str] = None    # columns: 0-based index, negative from the end (default 0)
    tag_column: Optional[str] = None      # columns: index (default -1); conllu: field name (default upos)
    text_column: Optional[str] = None     # csv/tsv/jsonl: header name or key, or 0-based index (default text / 0)
    label_column: Optional[str] = None    # csv/tsv/jsonl: header name or key, or 0-based index (default label / 1)
    header: bool = True                   # csv/tsv: the first row names the columns
    pretokenized: Optional[bool] = None   # text is tokens split by spaces; None: the preset's, else the layout's
    tokenizer: Optional[str] = None       # raw text -> tokens (data/text.py); None: the preset's, else ptb
    tag_scheme: Optional[str] = None      # iob1: convert IOB1 tags to IOB2 while reading; iob2 (default): keep
    fine_labels: bool = False             # TREC: the 50-way fine label instead of the 6-way coarse one
    lowercase: bool = False               # lower-case tokens for the word vocabulary (chars keep the spelling)
    min_freq: int = 1                     # words seen fewer times in train become <unk>
    dev_fraction: float = 0.1             # held out from train when a dataset has no dev split (TREC, SST-2)
    dev_sentences: bool = False           # phrase-level train (SST-2): dev of whole sentences (data/sentence_split.py)
    limit: Optional[int] = None           # keep only the first `limit` examples of each split (tests, smoke runs)
    hub_id: Optional[str] = None          # a `datasets.load_dataset` path instead of a format (data/hub.py)
    hub_config: Optional[str] = None      # hub_id's configuration name (e.g. sst2 of nyu-mll/glue)
    task: Optional[str] = None            # with hub_id: tagging | classification | joint (which columns to read)

    def __post_init__(self):
        if self.hub_id is not None and self.task not in TASKS:
            raise ValueError(f"data.hub_id needs data.task ({' | '.join(TASKS)}): which columns to read, got "
                             f"{self.task!r}")
        if self.hub_id is None and self.task is not None:
            raise ValueError("data.task is for data.hub_id; with files, data.format sets the task")
        if is_named(self) and self.name is not None and preset(self.name) is None:
            raise ValueError(f"unknown dataset {self.name!r}: {WHICH_DATA}")
        if self.format is not None and self.format not in MODULES:
            raise ValueError(f"data.format must be one of {', '.join(MODULES)}, got {self.format!r}")
        if self.format is not None and self.hub_id is None and not (self.train_file and (
                self.test_file or self.test_fraction is not None)):
            raise ValueError(f"data.format {self.format!r} reads your own files: set data.train_file and "
                             f"data.test_file (or data.test_fraction to hold a test split out of train_file)")
        check_ranges("data", self, {"dev_fraction": "(0, 1)", "test_fraction": "(0, 1)", "limit": ">= 1",
                                    "min_freq": ">= 1"})
        self._check_split_settings()
        self._check_layout_settings()
        if self.tokenizer is not None:
            text.check(self.tokenizer)

    def _check_split_settings(self):
        if self.test_fraction is None:
            return
        if self.hub_id is None and setting(self, "test_file") is not None:
            raise ValueError(f"data.test_fraction holds the test split out of train_file: {describe(self)} has a "
                             f"test file (data.test_file or its preset)")
        dev = 0.0 if setting(self, "validation_file") else self.dev_fraction
        if self.test_fraction + dev >= 1.0:
            raise ValueError(f"data.test_fraction + data.dev_fraction must be < 1, got {self.test_fraction} + {dev}")

    def _check_layout_settings(self):
        """Each layout's own settings (data/formats/) given to it only, with values it takes."""
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"data.encoding: unknown encoding {self.encoding!r} (e.g. utf-8, utf-8-sig, cp1252, "
                             f"latin-1, utf-16)") from None
        if self.tag_scheme is not None and self.tag_scheme not in TAG_SCHEMES:
            raise ValueError(f"data.tag_scheme must be one of {TAG_SCHEMES}, got {self.tag_scheme!r}")
        fmt = setting(self, "format")
        reads = HUB_SETTINGS if self.hub_id is not None else layout(fmt).settings if fmt else SETTINGS
        for key in SETTINGS:
            value = getattr(self, key)  # given: other than its default (utf-8 by any name for the encoding)
            given = codecs.lookup(value).name != "utf-8" if key == "encoding" else value != getattr(DataConfig, key)
            if given and key not in reads:
                raise ValueError(f"data.{key} is for format {' / '.join(readers_of(key))}, not "
                                 f"{'data.hub_id' if self.hub_id is not None else fmt}")
        if self.pretokenized is False and self.hub_id is None and fmt is not None and layout(fmt).pretokenized:
            raise ValueError(f"data.pretokenized: false needs raw text (csv, tsv, jsonl, trec, class_files, "
                             f"class_folders); {fmt} files hold one token per field")


def require_data(cfg: DataConfig) -> DataConfig:
    """``cfg`` if it names its data; the defaults alone (an empty config) name none: ConfigError."""
    if cfg.name is None and is_named(cfg):
        raise ConfigError(f"no data given: {WHICH_DATA}")
    return cfg


def is_named(cfg: DataConfig) -> bool:
    """A named dataset read with its preset (no data.format, no data.hub_id: those are your own data)."""
    return cfg.format is None and cfg.hub_id is None


def preset(name: str) -> dict | None:
    """The named dataset's settings (data/named.py, a part); None if no dataset has that name."""
    return needs_part("data.named", f"data.name={name}").DATASETS.get(name)


def describe(cfg: DataConfig) -> str:
    """The data as messages name it: 'dataset NAME', else its train file or Hub id."""
    return f"dataset {cfg.name!r}" if cfg.name else f"data {cfg.hub_id or cfg.train_file!r}"


def setting(cfg: DataConfig, key: str):
    """A data setting: the config's value if set, else the named dataset's preset, else None."""
    value = getattr(cfg, key)
    if value is not None or not is_named(cfg) or cfg.name is None:
        return value
    return preset(cfg.name).get(key)


def task_of(cfg: DataConfig) -> str:
    """tagging | classification | joint, from the data format (data.task with data.hub_id)."""
    return cfg.task if cfg.hub_id is not None else layout(setting(cfg, "format")).task


def pretokenized(cfg: DataConfig) -> bool:
    """The files' text is whitespace-separated tokens, kept as they are (else raw: `tokenizer_of` splits it)."""
    value = setting(cfg, "pretokenized")
    return value if value is not None else cfg.hub_id is None and layout(setting(cfg, "format")).pretokenized


def tokenizer_of(cfg: DataConfig) -> str:
    """The tokenizer of typed text at prediction and of raw text in training: ptb unless set, token files too."""
    return setting(cfg, "tokenizer") or text.DEFAULT


def training_split(cfg: DataConfig) -> str:
    """The tokenizer that splits the files' text in training: whitespace for tokens, else `tokenizer_of`."""
    return text.SPLIT if pretokenized(cfg) else tokenizer_of(cfg)


def resolve_text(cfg: DataConfig) -> DataConfig:
    """``cfg`` with data.pretokenized and data.tokenizer spelled out (so a checkpoint's config says them)."""
    return dataclasses.replace(cfg, pretokenized=pretokenized(cfg), tokenizer=tokenizer_of(cfg))
