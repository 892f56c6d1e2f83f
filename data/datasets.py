"""Data by config alone: a format, one file per split and column choices -> a `datasets.DatasetDict`.

Two ways to name the data. A named public dataset (``data.name``: ud_en_ewt, conll2003, trec, sst2, atis) is a
preset of exactly those settings, read from the data root; any field set in the config overrides the preset. Your
own files: ``data.format`` and ``data.train_file`` plus ``test_file`` or ``test_fraction`` (``validation_file``
optional); then no preset applies and ``data.name`` only labels the data in messages (optional). Or ``data.hub_id``
and ``data.task`` (`data.hub`). Every split goes through Hugging Face `datasets`: parsed once by a reader, cached as
Arrow (the cache key includes a hash of each file's content and of the readers' code, so an edited file or reader is
re-read). Held-out dev and test splits: `data.splits`.
"""
from __future__ import annotations

import codecs
import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import datasets

from errors import ConfigError, DataFormatError, check_ranges
from . import download, hub, label_checks, readers, tags, text, values
from .encode import build_vocabs, numericalize
from .sentence_split import hold_out_sentences
from .splits import hold_out_dev, split_one_file
from .vocab import Vocabs

SPLITS = ("train", "validation", "test")
# format -> task: what the examples' label fields are ("tags", "label" or both)
FORMATS = {"conllu": "tagging", "columns": "tagging", "seq_in_out": "joint", "csv": "classification",
           "tsv": "classification", "jsonl": "classification", "trec": "classification",
           "class_files": "classification", "class_folders": "classification"}
TASKS = ("tagging", "classification", "joint")
PRETOKENIZED_FORMATS = ("conllu", "columns", "seq_in_out")  # one token per field: never re-tokenised


@dataclass
class DataConfig:
    name: Optional[str] = None            # a named dataset (DATASETS), read with its preset; with data.format or
                                          # data.hub_id (your own data) only a label for messages
    root: Optional[str] = None            # folder of the named datasets; None: $RNN_DATA_ROOT, else ../shared/data,
                                          # else the download cache ($RNN_DATA_CACHE; ~/.cache/rnn-template/data)
    download: bool = False                # fetch a missing named dataset (and named model.vectors) from its source
    format: Optional[str] = None          # conllu | columns | seq_in_out | csv | tsv | jsonl | trec | class_files |
                                          # class_folders; None: the preset's
    train_file: Optional[str] = None      # your files: absolute, or relative to data.root if set, else to the cwd
    validation_file: Optional[str] = None  # None: dev_fraction of train is held out
    test_file: Optional[str] = None       # (seq_in_out: a folder holding seq.in, seq.out, label; class_files,
                                          # class_folders: a folder with one file / folder per class)
    test_fraction: Optional[float] = None  # no test file: this fraction of train_file is the test split (and
                                           # dev_fraction of it the dev split), stratified by label, fixed seed
    encoding: str = "utf-8"               # of the files (strict); e.g. utf-8-sig, cp1252, latin-1, utf-16
    classes: Optional[list[str]] = None   # class_files / class_folders: read only these classes (None: all)
    token_column: Optional[str] = None    # columns: 0-based index, negative from the end (default 0)
    tag_column: Optional[str] = None      # columns: index (default -1); conllu: field name (default upos)
    text_column: Optional[str] = None     # csv/tsv/jsonl: header name or key, or 0-based index (default text / 0)
    label_column: Optional[str] = None    # csv/tsv/jsonl: header name or key, or 0-based index (default label / 1)
    header: bool = True                   # csv/tsv: the first row names the columns
    pretokenized: Optional[bool] = None   # text is tokens split by spaces (kept as they are); None: the preset's, else
                                          # true for conllu/columns/seq_in_out, false (raw text) otherwise
    tokenizer: Optional[str] = None       # raw text -> tokens (data.text): whitespace | ptb | ptb_lower | ptb_straight;
                                          # None: the preset's, else whitespace if pretokenized, else ptb
    tag_scheme: Optional[str] = None      # iob1: convert IOB1 tags to IOB2 while reading (conllu, columns,
                                          # seq_in_out); iob2 (default): keep. BIO tags must then be valid IOB2
    fine_labels: bool = False             # TREC: the 50-way fine label instead of the 6-way coarse one
    lowercase: bool = False               # lower-case tokens for the word vocabulary (chars keep the spelling)
    min_freq: int = 1                     # words seen fewer times in train become <unk>
    dev_fraction: float = 0.1             # held out from train when a dataset has no dev split (TREC, SST-2)
    dev_sentences: bool = False           # phrase-level train (SST-2: every phrase of each sentence): the held-out
                                          # dev split is dev_fraction of the whole sentences instead of random rows,
                                          # and train drops the phrases found only in them (data/sentence_split.py)
    limit: Optional[int] = None           # keep only the first `limit` examples of each split (tests, smoke runs)
    hub_id: Optional[str] = None          # a `datasets.load_dataset` path instead of a format: a Hub id, a local
                                          # folder, or a builder (parquet, csv, json) reading data.*_file
    hub_config: Optional[str] = None      # hub_id's configuration name (e.g. sst2 of nyu-mll/glue)
    task: Optional[str] = None            # with hub_id: tagging | classification | joint (which columns to read)

    def __post_init__(self):
        if self.hub_id is not None and self.task not in TASKS:
            raise ValueError(f"data.hub_id needs data.task ({' | '.join(TASKS)}): which columns to read, got "
                             f"{self.task!r}")
        if self.hub_id is None and self.task is not None:
            raise ValueError("data.task is for data.hub_id; with files, data.format sets the task")
        if self.format is None and self.hub_id is None and self.name is not None and self.name not in DATASETS:
            raise ValueError(f"unknown dataset {self.name!r}: {WHICH_DATA}")
        if self.format is not None and self.format not in FORMATS:
            raise ValueError(f"data.format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.format is not None and self.hub_id is None and not (self.train_file and (
                self.test_file or self.test_fraction is not None)):
            raise ValueError(f"data.format {self.format!r} reads your own files: set data.train_file and "
                             f"data.test_file (or data.test_fraction to hold a test split out of train_file)")
        self._check_split_settings()
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"data.encoding: unknown encoding {self.encoding!r} (e.g. utf-8, utf-8-sig, cp1252, "
                             f"latin-1, utf-16)") from None
        fmt = setting(self, "format")
        if (fmt == "trec" or self.hub_id is not None) and codecs.lookup(self.encoding).name != "utf-8":
            raise ValueError("data.encoding is for the files of data.format (not trec, not data.hub_id)")
        if self.classes is not None and (fmt not in ("class_files", "class_folders") or self.hub_id is not None):
            raise ValueError("data.classes is for format class_files / class_folders")
        if self.tag_scheme is not None and self.tag_scheme not in readers.TAG_SCHEMES:
            raise ValueError(f"data.tag_scheme must be one of {readers.TAG_SCHEMES}, got {self.tag_scheme!r}")
        if self.tokenizer is not None:
            text.check(self.tokenizer)
        if self.pretokenized is False and fmt in PRETOKENIZED_FORMATS:
            raise ValueError(f"data.pretokenized: false needs raw text (csv, tsv, jsonl, trec, class_files, "
                             f"class_folders); {fmt} files hold one token per field")
        check_ranges("data", self, {"dev_fraction": "(0, 1)", "limit": ">= 1", "min_freq": ">= 1"})

    def _check_split_settings(self):
        if self.test_fraction is None:
            return
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError(f"data.test_fraction must be in (0, 1), got {self.test_fraction}")
        if self.hub_id is None and setting(self, "test_file") is not None:
            raise ValueError(f"data.test_fraction holds the test split out of train_file: {describe(self)} has a "
                             f"test file (data.test_file or its preset)")
        dev = 0.0 if setting(self, "validation_file") else self.dev_fraction
        if self.test_fraction + dev >= 1.0:
            raise ValueError(f"data.test_fraction + data.dev_fraction must be < 1, got {self.test_fraction} + {dev}")


WHICH_DATA = ("set data.name to a named dataset (atis, conll2003, sst2, trec, ud_en_ewt), or for your own files "
              "data.format with data.train_file and data.test_file (or data.test_fraction), or data.hub_id")

# Named datasets: DataConfig settings, files relative to the data root. GLUE SST-2's test split has no labels: its
# dev set is the evaluation ("test") split, and model selection uses a slice held out of train. All five come
# tokenised (kept as they are); `tokenizer` is the one that reproduces their tokenisation for raw text at prediction
# (docs/data.md, "Text as people type it").
DATASETS = {
    "ud_en_ewt": dict(format="conllu", train_file="ud_en_ewt/en_ewt-ud-train.conllu", tokenizer="ptb_straight",
                      validation_file="ud_en_ewt/en_ewt-ud-dev.conllu", test_file="ud_en_ewt/en_ewt-ud-test.conllu"),
    "conll2003": dict(format="columns", train_file="conll2003/eng.train", validation_file="conll2003/eng.testa",
                      test_file="conll2003/eng.testb", token_column="0", tag_column="-1", tag_scheme="iob1",
                      tokenizer="ptb_straight"),
    "trec": dict(format="trec", train_file="trec/train_5500.label", test_file="trec/TREC_10.label",
                 pretokenized=True, tokenizer="ptb"),
    "sst2": dict(format="tsv", train_file="sst2/train.tsv", test_file="sst2/dev.tsv", text_column="sentence",
                 pretokenized=True, tokenizer="ptb_lower"),
    "atis": dict(format="seq_in_out", train_file="atis/train", validation_file="atis/valid", test_file="atis/test",
                 tokenizer="whitespace"),  # lower-case words, no punctuation, `what's` as one token
}


def require_data(cfg: DataConfig) -> DataConfig:
    """``cfg`` if it names its data; the defaults alone (an empty config) name none: ConfigError."""
    if cfg.name is None and is_named(cfg):
        raise ConfigError(f"no data given: {WHICH_DATA}")
    return cfg


def is_named(cfg: DataConfig) -> bool:
    """A named dataset read with its preset (no data.format, no data.hub_id: those are your own data)."""
    return cfg.format is None and cfg.hub_id is None


def describe(cfg: DataConfig) -> str:
    """The data as messages name it: 'dataset NAME', else its train file or Hub id."""
    return f"dataset {cfg.name!r}" if cfg.name else f"data {cfg.hub_id or cfg.train_file!r}"


def setting(cfg: DataConfig, key: str):
    """A data setting: the config's value if set, else the named dataset's preset, else None."""
    value = getattr(cfg, key)
    return value if value is not None or not is_named(cfg) else DATASETS.get(cfg.name, {}).get(key)


def task_of(cfg: DataConfig) -> str:
    """tagging | classification | joint, from the data format (data.task with data.hub_id)."""
    return cfg.task if cfg.hub_id is not None else FORMATS[setting(cfg, "format")]


def pretokenized(cfg: DataConfig) -> bool:
    """Whether the files' text is kept as whitespace-separated tokens (else it is raw: `tokenizer_of` splits it)."""
    value = setting(cfg, "pretokenized")
    return value if value is not None else setting(cfg, "format") in PRETOKENIZED_FORMATS


def tokenizer_of(cfg: DataConfig) -> str:
    """The tokenizer for raw text at prediction (and in training, where the text is raw)."""
    return setting(cfg, "tokenizer") or (text.SPLIT if pretokenized(cfg) else text.DEFAULT)


def training_split(cfg: DataConfig) -> str:
    """The tokenizer that splits the files' text in training: whitespace for tokens, else `tokenizer_of`."""
    return text.SPLIT if pretokenized(cfg) else tokenizer_of(cfg)


def resolve_text(cfg: DataConfig, stored: dict | None = None) -> DataConfig:
    """``cfg`` with data.pretokenized and data.tokenizer spelled out (so a checkpoint's config says them).

    Args:
        stored: the data section of a saved run's config; one saved before these settings existed was
            split on whitespace only, and stays so.
    """
    if stored is not None and "tokenizer" not in stored:
        return dataclasses.replace(cfg, pretokenized=True, tokenizer=text.SPLIT)
    return dataclasses.replace(cfg, pretokenized=pretokenized(cfg), tokenizer=tokenizer_of(cfg))


def data_root(cfg: DataConfig) -> Path:
    """The folder holding cfg.name/: data.root if set, else $RNN_DATA_ROOT if set, else ../shared/data beside the
    repository, else the download cache; data.download=true fetches a missing one (data/download.py)."""
    return download.locate(cfg.name, cfg.root, cfg.download)


def split_paths(cfg: DataConfig) -> dict[str, Path]:
    """{split: path} for the splits that have a file (validation may be missing: it is then held out of train)."""
    paths = {}
    for split in SPLITS:
        rel = setting(cfg, f"{split}_file")
        if rel is None:
            continue
        own = getattr(cfg, f"{split}_file") is not None  # the user's file, else the named dataset's
        base = (Path(cfg.root) if cfg.root else Path.cwd()) if own else data_root(cfg)
        paths[split] = base / rel
        if not paths[split].exists():
            raise FileNotFoundError(f"{paths[split]}: missing file for split {split!r} of {describe(cfg)}")
    return paths


def reader_options(cfg: DataConfig) -> dict:
    """The reader's keyword arguments for this config's format, with each format's defaults."""
    fmt = setting(cfg, "format")
    raw = {"tokenizer": training_split(cfg)}  # formats with text to split
    if fmt == "trec":
        return {**raw, "fine": cfg.fine_labels}
    return {"encoding": cfg.encoding, **_format_options(cfg, fmt, raw)}


def _format_options(cfg: DataConfig, fmt: str, raw: dict) -> dict:
    if fmt == "conllu":
        column = setting(cfg, "tag_column") or "upos"
        if column not in readers.CONLLU_COLUMNS:
            raise ConfigError(f"data.tag_column must be a CoNLL-U column ({', '.join(readers.CONLLU_COLUMNS)}), "
                              f"got {column!r}")
        return {"tag_column": column, "tag_scheme": setting(cfg, "tag_scheme") or "iob2"}
    if fmt == "seq_in_out":
        return {"tag_scheme": setting(cfg, "tag_scheme") or "iob2"}
    if fmt == "columns":
        try:
            return {"token_column": int(setting(cfg, "token_column") or 0),
                    "tag_column": int(setting(cfg, "tag_column") or -1),
                    "tag_scheme": setting(cfg, "tag_scheme") or "iob2"}
        except ValueError:
            raise ConfigError(f"data.token_column and data.tag_column must be integers for format 'columns', got "
                              f"{setting(cfg, 'token_column')!r} and {setting(cfg, 'tag_column')!r}") from None
    if fmt in ("csv", "tsv"):
        text_col, label_col = ("text", "label") if cfg.header else ("0", "1")
        return {**raw, "delimiter": "," if fmt == "csv" else "\t", "header": cfg.header,
                "text_column": setting(cfg, "text_column") or text_col,
                "label_column": setting(cfg, "label_column") or label_col}
    if fmt == "jsonl":
        return {**raw, "text_column": setting(cfg, "text_column") or "text",
                "label_column": setting(cfg, "label_column") or "label"}
    if fmt in ("class_files", "class_folders"):
        return {**raw, "classes": cfg.classes}
    return {}


def _train_source(cfg: DataConfig) -> str:
    """Where train came from, for messages: its file, or the Hub dataset."""
    return cfg.hub_id if cfg.hub_id is not None else str(split_paths(cfg)["train"])


READERS = {"conllu": readers.read_conllu, "columns": readers.read_columns, "seq_in_out": readers.read_seq_in_out,
           "csv": readers.read_delimited, "tsv": readers.read_delimited, "jsonl": readers.read_jsonl,
           "trec": readers.read_trec, "class_files": readers.read_class_files,
           "class_folders": readers.read_class_folders}


def _read(fmt: str, path: str, stamp: str, code: str, options: dict):
    """Generator for Dataset.from_generator; stamp (files' content hash) and code are only there to key the cache."""
    yield from READERS[fmt](path, **options)


def _stamp(path: Path) -> str:
    """The content of the file (or of every file under a folder: class_folders too), hashed (sha1: tens of
    milliseconds for UD EWT's 14 MB train file, docs/speed.md), each time a config is read."""
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return ";".join(f"{f.relative_to(path.parent)}:{hashlib.sha1(f.read_bytes()).hexdigest()}" for f in files
                    if f.is_file())


def _generate(**gen_kwargs) -> datasets.Dataset:
    """Dataset.from_generator(_read), with a reader's error (DataFormatError naming path:line) raised as itself
    rather than as `datasets`' DatasetGenerationError, which keeps it as its cause."""
    try:
        return datasets.Dataset.from_generator(_read, gen_kwargs=gen_kwargs)
    except datasets.exceptions.DatasetGenerationError as e:
        cause = e.__cause__
        while isinstance(cause, datasets.exceptions.DatasetGenerationError):
            cause = cause.__cause__
        if cause is None:
            raise
        raise cause from e


def _reader_code() -> str:
    """A hash of the reading code: `datasets` keys its cache by our generator only, not the functions it calls."""
    return hashlib.sha1(b"".join(Path(m.__file__).read_bytes() for m in (readers, tags, text, values))).hexdigest()


def load_splits(cfg: DataConfig, iob2: bool = False) -> datasets.DatasetDict:
    """Raw examples (tokens as written + tags and/or label) for train, validation and test.

    ``iob2``: tags must be valid IOB2 (a CRF's constraints); the first ``I-X`` that breaks it is an error naming
    its path:line (files only)."""
    paths = split_paths(require_data(cfg))
    if cfg.hub_id is not None:
        splits = hub.load_hub_splits(cfg.hub_id, cfg.hub_config, paths, hub.columns(cfg, task_of(cfg)),
                                     training_split(cfg))
    else:
        if "train" not in paths:
            raise ConfigError(f"{describe(cfg)} has no train file: set data.train_file")
        fmt, options, code = setting(cfg, "format"), reader_options(cfg), _reader_code()
        if iob2 and FORMATS[fmt] != "classification":
            options["check_iob2"] = True
        splits = {split: _generate(fmt=fmt, path=str(path), stamp=_stamp(path), code=code, options=options)
                  for split, path in paths.items()}
    if "test" not in splits:
        if cfg.test_fraction is None:
            raise ConfigError(f"{describe(cfg)} has no test split: set data.test_file or data.test_fraction")
        dev_fraction = None if "validation" in splits else cfg.dev_fraction
        splits.update(split_one_file(splits.pop("train"), cfg.test_fraction, dev_fraction,
                                     task_of(cfg) == "classification", describe(cfg)))
    elif cfg.test_fraction is not None:
        raise ConfigError(f"{describe(cfg)} has a test split: data.test_fraction is for data without one")
    if "validation" not in splits:  # fixed seed: the same dev set whatever the training seed
        hold_out = hold_out_sentences if cfg.dev_sentences else hold_out_dev
        splits["train"], splits["validation"] = hold_out(splits["train"], cfg.dev_fraction)
    elif cfg.dev_sentences:
        raise ConfigError(f"data.dev_sentences holds dev out of train: dataset {cfg.name!r} has a dev split")
    dd = datasets.DatasetDict({split: splits[split] for split in SPLITS})
    if cfg.limit is not None:
        dd = datasets.DatasetDict({k: v.select(range(min(cfg.limit, len(v)))) for k, v in dd.items()})
    return dd


def prepare(cfg: DataConfig, vocabs: Vocabs | None = None, chars: bool = False, iob2: bool = False,
            frozen_words: Sequence[str] = ()):
    """Load, build vocabularies from train (unless given, e.g. from a checkpoint), numericalise.

    Args:
        chars: also build the character vocabulary and a ``chars`` column (for the char-CNN); ignored when
            ``vocabs`` is given (its ``chars`` decides).
        iob2: tags must be valid IOB2 (for a CRF); see `load_splits`.
        frozen_words: pretrained vectors' words to add after train's (``model.vectors_vocab``; `build_vocabs`).
    Returns (DatasetDict with ids/length/tag_ids/label_ids[/chars] columns, vocabs).
    Raises DataFormatError if train has fewer than two classes (or tags) to learn.
    """
    dd = load_splits(cfg, iob2)
    built = vocabs is None
    if built:
        vocabs = build_vocabs(dd["train"], cfg.min_freq, chars, cfg.lowercase, frozen_words)
        cut = cfg.limit if cfg.limit is not None and len(dd["train"]) >= cfg.limit else None
        label_checks.check_label_sets(vocabs, _train_source(cfg), cut)
        label_checks.check_vocabulary(vocabs, _train_source(cfg), cfg.min_freq)
    label_checks.check_bio(dd, vocabs, lambda *where: _bio_error(cfg, *where))
    vocabs.unseen = label_checks.unseen(dd, vocabs, SPLITS[1:] if built else SPLITS)  # train's are seen when built
    return numericalize(dd, vocabs, cfg.lowercase), vocabs


def _bio_error(cfg: DataConfig, split: str, index: int, problem: str) -> DataFormatError:
    """The error for sentence ``index`` of ``split``, whose tags break IOB2 (``problem``): the reader's, naming
    path:line (the split's file read again, checked), else one naming the file and the sentence."""
    if cfg.hub_id is not None:
        return DataFormatError(cfg.hub_id, None, f"split {split!r}, sentence {index + 1}: {problem}")
    paths = split_paths(cfg)
    path = paths.get(split, paths["train"])  # a held-out split comes from train's file
    try:
        READERS[setting(cfg, "format")](path, **reader_options(cfg), check_iob2=True)
    except DataFormatError as e:
        return e
    return DataFormatError(path, None, f"sentence {index + 1} of split {split!r}: {problem}")
