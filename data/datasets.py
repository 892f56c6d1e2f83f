"""Data by config alone: files (or a named dataset, or a Hub id) -> a `datasets.DatasetDict` of examples, then
vocabularies and numbers (`prepare`). Every split goes through Hugging Face `datasets`: parsed once by its layout's
reader (data/formats/), cached as Arrow (the cache key includes a hash of each file's content and of the reading
code, so an edited file or reader is re-read). Held-out dev and test splits: data/splits.py.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Sequence

import datasets

from errors import ConfigError, DataFormatError, needs_part
from . import label_checks
from .config import DataConfig, describe, require_data, setting, task_of, training_split
from .encode import build_vocabs, numericalize
from .formats import layout
from .vocab import Vocabs

SPLITS = ("train", "validation", "test")
READING = ("files", "tags", "text", "values")  # what the readers call (data/), in the reading code's hash


def split_paths(cfg: DataConfig) -> dict[str, Path]:
    """{split: path} for the splits that have a file (validation may be missing: it is then held out of train)."""
    paths = {}
    for split in SPLITS:
        rel = setting(cfg, f"{split}_file")
        if rel is None:
            continue
        own = getattr(cfg, f"{split}_file") is not None  # the user's file, else the named dataset's
        base = (Path(cfg.root) if cfg.root else Path.cwd()) if own else needs_part("data.named", "data.name").data_root(
            cfg)
        paths[split] = base / rel
        if not paths[split].exists():
            raise FileNotFoundError(f"{paths[split]}: missing file for split {split!r} of {describe(cfg)}")
    return paths


def reader_options(cfg: DataConfig) -> dict:
    """The reader's keyword arguments: its layout's options (data/formats/), from the settings and preset."""
    return layout(setting(cfg, "format")).options(lambda key: training_split(cfg) if key == "tokenizer"
                                                   else setting(cfg, key))


def _train_source(cfg: DataConfig) -> str:
    """Where train came from, for messages: its file, or the Hub dataset."""
    return cfg.hub_id if cfg.hub_id is not None else str(split_paths(cfg)["train"])


def _read(fmt: str, path: str, stamp: str, code: str, options: dict):
    """Generator for Dataset.from_generator; stamp (files' content hash) and code are only there to key the cache."""
    yield from layout(fmt).read(path, **options)


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


def _reader_code(fmt: str) -> str:
    """A hash of the reading code: `datasets` keys its cache by our generator only, not the functions it calls."""
    here = Path(__file__).parent  # data/tags.py too, though a classifier's run never imports it
    paths = (sys.modules[layout(fmt).read.__module__].__file__, *(here / f"{m}.py" for m in READING))
    return hashlib.sha1(b"".join(Path(p).read_bytes() for p in paths)).hexdigest()


def load_splits(cfg: DataConfig) -> datasets.DatasetDict:
    """Raw examples (tokens as written + tags and/or label) for train, validation and test, as the files say (BIO
    tags are checked once the tag set is known: `prepare`)."""
    paths = split_paths(require_data(cfg))
    if cfg.hub_id is not None:
        hub = needs_part("data.hub", "data.hub_id")
        splits = hub.load_hub_splits(cfg.hub_id, cfg.hub_config, paths, hub.columns(cfg, task_of(cfg)),
                                     training_split(cfg))
    else:
        if "train" not in paths:
            raise ConfigError(f"{describe(cfg)} has no train file: set data.train_file")
        fmt, options = setting(cfg, "format"), reader_options(cfg)
        code = _reader_code(fmt)
        splits = {split: _generate(fmt=fmt, path=str(path), stamp=_stamp(path), code=code, options=options)
                  for split, path in paths.items()}
    if "test" not in splits or "validation" not in splits or cfg.test_fraction is not None or cfg.dev_sentences:
        from .splits import held_out  # only data without a test or dev file holds one out of train
        splits = held_out(cfg, splits)
    dd = datasets.DatasetDict({split: splits[split] for split in SPLITS})
    if cfg.limit is not None:
        dd = datasets.DatasetDict({k: v.select(range(min(cfg.limit, len(v)))) for k, v in dd.items()})
    return dd


def prepare(cfg: DataConfig, vocabs: Vocabs | None = None, chars: bool = False, frozen_words: Sequence[str] = ()):
    """Load, build vocabularies from train (unless given, e.g. from a checkpoint), numericalise: (DatasetDict with
    ids/length/tag_ids/label_ids[/chars] columns, vocabs). ``chars``: also the character vocabulary and a ``chars``
    column (the char-CNN; a given ``vocabs`` decides by its own); ``frozen_words``: pretrained vectors' words to
    add after train's (``model.vectors_vocab``; `build_vocabs`). A train with fewer than two classes (or tags) to
    learn is a DataFormatError, and so are BIO tags that are not valid IOB2 (naming path:line; any model, CRF or
    not: `data.tags.check_bio`).
    """
    dd = load_splits(cfg)
    built = vocabs is None
    if built:
        vocabs = build_vocabs(dd["train"], cfg.min_freq, chars, cfg.lowercase, frozen_words)
        cut = cfg.limit if cfg.limit is not None and len(dd["train"]) >= cfg.limit else None
        label_checks.check_label_sets(vocabs, _train_source(cfg), cut)
        label_checks.check_vocabulary(vocabs, _train_source(cfg), cfg.min_freq)
    if "tags" in vocabs.labels:
        from .tags import check_bio  # tags only
        check_bio(dd, vocabs.labels["tags"].itos, lambda *where: _bio_error(cfg, *where))
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
        layout(setting(cfg, "format")).read(path, **reader_options(cfg), check_iob2=True)
    except DataFormatError as e:
        return e
    return DataFormatError(path, None, f"sentence {index + 1} of split {split!r}: {problem}")
