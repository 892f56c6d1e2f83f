"""Data by config alone: a format, one file per split and column choices -> a `datasets.DatasetDict`.

The named public datasets (``data.name``: ud_en_ewt, conll2003, trec, sst2, atis) are presets of exactly those
settings, read from the data root; any field set in the config overrides the preset. Any other name is the
user's own data: ``data.format`` and ``data.train_file``/``test_file`` (``validation_file`` optional) are then
required. Every split goes through Hugging Face `datasets`: parsed once by a reader, cached as Arrow (the cache
key includes each file's size and mtime and the readers' code, so an edited file or reader is re-read).
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import datasets

from . import readers, tags, text
from .encode import build_vocabs, numericalize
from .vocab import Vocabs

DATA_ROOT_ENV = "RNN_DATA_ROOT"
REPO_ROOT = Path(__file__).resolve().parent.parent
SPLITS = ("train", "validation", "test")
# format -> task: what the examples' label fields are ("tags", "label" or both)
FORMATS = {"conllu": "tagging", "columns": "tagging", "seq_in_out": "joint", "csv": "classification",
           "tsv": "classification", "jsonl": "classification", "trec": "classification"}
PRETOKENIZED_FORMATS = ("conllu", "columns", "seq_in_out")  # one token per field: never re-tokenised


@dataclass
class DataConfig:
    name: str = "ud_en_ewt"               # a named dataset (DATASETS), or any name for your own files (set format)
    root: Optional[str] = None            # folder holding the named datasets; None: $RNN_DATA_ROOT, then ../shared/data
    format: Optional[str] = None          # conllu | columns | seq_in_out | csv | tsv | jsonl | trec; None: the preset's
    train_file: Optional[str] = None      # your files: absolute, or relative to data.root if set, else to the cwd
    validation_file: Optional[str] = None  # None: dev_fraction of train is held out
    test_file: Optional[str] = None       # (seq_in_out: a folder holding seq.in, seq.out, label)
    token_column: Optional[str] = None    # columns: 0-based index, negative from the end (default 0)
    tag_column: Optional[str] = None      # columns: index (default -1); conllu: field name (default upos)
    text_column: Optional[str] = None     # csv/tsv/jsonl: header name or key, or 0-based index (default text / 0)
    label_column: Optional[str] = None    # csv/tsv/jsonl: header name or key, or 0-based index (default label / 1)
    header: bool = True                   # csv/tsv: the first row names the columns
    pretokenized: Optional[bool] = None   # text is tokens split by spaces (kept as they are); None: the preset's, else
                                          # true for conllu/columns/seq_in_out, false (raw text) for csv/tsv/jsonl/trec
    tokenizer: Optional[str] = None       # raw text -> tokens (data.text): whitespace | ptb | ptb_lower | ptb_straight;
                                          # None: the preset's, else whitespace if pretokenized, else ptb
    tag_scheme: Optional[str] = None      # iob1: convert IOB1 tags to IOB2 while reading (columns format); iob2: keep
    fine_labels: bool = False             # TREC: the 50-way fine label instead of the 6-way coarse one
    lowercase: bool = False               # lower-case tokens for the word vocabulary (chars keep the spelling)
    min_freq: int = 1                     # words seen fewer times in train become <unk>
    dev_fraction: float = 0.1             # held out from train when a dataset has no dev split (TREC, SST-2)
    limit: Optional[int] = None           # keep only the first `limit` examples of each split (tests, smoke runs)
    hub_id: Optional[str] = None          # online users: a Hub dataset id instead of local files (not testable here)

    def __post_init__(self):
        if self.name not in DATASETS and self.format is None:
            raise ValueError(f"unknown dataset {self.name!r}; named datasets: {', '.join(sorted(DATASETS))}; "
                             f"for your own files set data.format ({' | '.join(FORMATS)}) and data.train_file, "
                             f"data.test_file")
        if self.format is not None and self.format not in FORMATS:
            raise ValueError(f"data.format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.name not in DATASETS and self.hub_id is None and not (self.train_file and self.test_file):
            raise ValueError(f"dataset {self.name!r} is not a named one: set data.train_file and data.test_file")
        if self.tag_scheme is not None and self.tag_scheme not in readers.TAG_SCHEMES:
            raise ValueError(f"data.tag_scheme must be one of {readers.TAG_SCHEMES}, got {self.tag_scheme!r}")
        if self.tokenizer is not None:
            text.check(self.tokenizer)
        fmt = self.format or DATASETS.get(self.name, {}).get("format")
        if self.pretokenized is False and fmt in PRETOKENIZED_FORMATS:
            raise ValueError(f"data.pretokenized: false needs raw text (csv, tsv, jsonl, trec); {fmt} files hold "
                             f"one token per field")
        if not 0.0 < self.dev_fraction < 1.0:
            raise ValueError(f"data.dev_fraction must be in (0, 1), got {self.dev_fraction}")


# Named datasets: DataConfig settings, files relative to the data root. GLUE SST-2's test split has no labels: its
# dev set is the evaluation ("test") split, and model selection uses a slice held out of train. All five come
# tokenised (kept as they are); `tokenizer` is the one that reproduces their tokenisation for raw text at prediction
# (README, "Text as people type it").
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


def setting(cfg: DataConfig, key: str):
    """A data setting: the config's value if set, else the named dataset's preset, else None."""
    value = getattr(cfg, key)
    return value if value is not None else DATASETS.get(cfg.name, {}).get(key)


def task_of(cfg: DataConfig) -> str:
    """tagging | classification | joint, from the data format."""
    return FORMATS[setting(cfg, "format")]


def pretokenized(cfg: DataConfig) -> bool:
    """Whether the files' text is kept as whitespace-separated tokens (else it is raw: `tokenizer_of` splits it)."""
    value = setting(cfg, "pretokenized")
    return value if value is not None else setting(cfg, "format") in PRETOKENIZED_FORMATS


def tokenizer_of(cfg: DataConfig) -> str:
    """The tokenizer for raw text at prediction (and in training, where the text is raw)."""
    return setting(cfg, "tokenizer") or (text.SPLIT if pretokenized(cfg) else text.DEFAULT)


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
    """data.root if set, else $RNN_DATA_ROOT if set, else ../shared/data beside the repository."""
    if cfg.root:
        candidates = [Path(cfg.root)]
    elif os.environ.get(DATA_ROOT_ENV):
        candidates = [Path(os.environ[DATA_ROOT_ENV])]
    else:
        candidates = [REPO_ROOT.parent / "shared" / "data"]
    for c in candidates:
        if (c / cfg.name).is_dir():
            return c
    looked = ", ".join(str(c / cfg.name) for c in candidates)
    raise FileNotFoundError(f"dataset {cfg.name!r} not found; looked in: {looked}. "
                            f"Set data.root=... or ${DATA_ROOT_ENV}.")


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
            raise FileNotFoundError(f"{paths[split]}: missing file for split {split!r} of dataset {cfg.name!r}")
    return paths


def reader_options(cfg: DataConfig) -> dict:
    """The reader's keyword arguments for this config's format, with each format's defaults."""
    fmt = setting(cfg, "format")
    raw = {"tokenizer": text.SPLIT if pretokenized(cfg) else tokenizer_of(cfg)}  # formats with text to split
    if fmt == "conllu":
        return {"tag_column": setting(cfg, "tag_column") or "upos"}
    if fmt == "columns":
        try:
            return {"token_column": int(setting(cfg, "token_column") or 0),
                    "tag_column": int(setting(cfg, "tag_column") or -1), "tag_scheme": setting(cfg, "tag_scheme") or "iob2"}
        except ValueError:
            raise ValueError("data.token_column and data.tag_column must be integers for format 'columns'") from None
    if fmt in ("csv", "tsv"):
        text_col, label_col = ("text", "label") if cfg.header else ("0", "1")
        return {**raw, "delimiter": "," if fmt == "csv" else "\t", "header": cfg.header,
                "text_column": setting(cfg, "text_column") or text_col,
                "label_column": setting(cfg, "label_column") or label_col}
    if fmt == "jsonl":
        return {**raw, "text_column": setting(cfg, "text_column") or "text",
                "label_column": setting(cfg, "label_column") or "label"}
    if fmt == "trec":
        return {**raw, "fine": cfg.fine_labels}
    return {}


READERS = {"conllu": readers.read_conllu, "columns": readers.read_columns, "seq_in_out": readers.read_seq_in_out,
           "csv": readers.read_delimited, "tsv": readers.read_delimited, "jsonl": readers.read_jsonl,
           "trec": readers.read_trec}


def _read(fmt: str, path: str, stamp: str, code: str, options: dict):
    """Generator for Dataset.from_generator; stamp (files' size/mtime) and code are only there to key the cache."""
    yield from READERS[fmt](path, **options)


def _stamp(path: Path) -> str:
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    return ";".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime}" for f in files if f.is_file())


def _reader_code() -> str:
    """A hash of the reading code: `datasets` keys its cache by our generator only, not the functions it calls."""
    return hashlib.sha1(b"".join(Path(m.__file__).read_bytes() for m in (readers, tags, text))).hexdigest()


def load_splits(cfg: DataConfig) -> datasets.DatasetDict:
    """Raw examples (tokens as written + tags and/or label) for train, validation and test."""
    if cfg.hub_id is not None:
        return datasets.load_dataset(cfg.hub_id)  # online only; columns must be tokens + tags/label
    fmt, options, code = setting(cfg, "format"), reader_options(cfg), _reader_code()
    paths = split_paths(cfg)
    for split in ("train", "test"):
        if split not in paths:
            raise ValueError(f"dataset {cfg.name!r} has no {split} file: set data.{split}_file")
    splits = {split: datasets.Dataset.from_generator(_read, gen_kwargs=dict(
        fmt=fmt, path=str(path), stamp=_stamp(path), code=code, options=options)) for split, path in paths.items()}
    if "validation" not in splits:  # fixed seed: the same dev set whatever the training seed
        held = splits["train"].train_test_split(test_size=cfg.dev_fraction, seed=1234)
        splits["train"], splits["validation"] = held["train"], held["test"]
    dd = datasets.DatasetDict({split: splits[split] for split in SPLITS})
    if cfg.limit is not None:
        dd = datasets.DatasetDict({k: v.select(range(min(cfg.limit, len(v)))) for k, v in dd.items()})
    return dd


def prepare(cfg: DataConfig, vocabs: Vocabs | None = None, chars: bool = False):
    """Load, build vocabularies from train (unless given, e.g. from a checkpoint), numericalise.

    Args:
        chars: also build the character vocabulary and a ``chars`` column (for the char-CNN); ignored when
            ``vocabs`` is given (its ``chars`` decides).
    Returns (DatasetDict with ids/length/tag_ids/label_ids[/chars] columns, vocabs).
    """
    dd = load_splits(cfg)
    if vocabs is None:
        vocabs = build_vocabs(dd["train"], cfg.min_freq, chars, cfg.lowercase)
    for split in ("validation", "test"):
        for field, vocab in vocabs.labels.items():
            values = dd[split][field]
            seen = {y for ys in values for y in ys} if field == "tags" else set(values)
            unseen = sorted(seen - set(vocab.itos))
            if unseen:
                print(f"warning: {split} has {field} never seen in training (counted as errors): {unseen}")
    return numericalize(dd, vocabs, cfg.lowercase), vocabs
