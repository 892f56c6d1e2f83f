"""Data by config alone: files (or a named dataset, or a Hub id) -> a `datasets.DatasetDict` of examples
(`load_splits`: each file read by its layout, data/formats/, and cached, docs/data.md), then vocabularies and ids."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Sequence

import datasets

from errors import needs_part
from .config import DataConfig, describe, require_data, setting, training_split
from .encode import build_vocabs, check_train, numericalize, unseen
from .formats import layout
from .vocab import Vocabs

SPLITS = ("train", "validation", "test")
READING = ("files", "tags", "text", "values")  # what the readers call (data/; a classifier's copy has no tags.py)


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


def _read(fmt: str, path: str, stamp: str, code: str, options: dict):
    """Dataset.from_generator's generator; ``stamp`` (the file's content) and ``code`` only key the cache."""
    yield from layout(fmt).read(path, **options)


def _stamp(path: Path) -> str:
    """The content of the file (or of every file under a folder), hashed each time (sha1 is fast: docs/speed.md)."""
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return ";".join(f"{f.relative_to(path.parent)}:{hashlib.sha1(f.read_bytes()).hexdigest()}" for f in files
                    if f.is_file())


def _generate(**gen_kwargs) -> datasets.Dataset:
    """Dataset.from_generator(_read); a reader's error (naming path:line) raised as itself, unwrapped."""
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
    here = Path(__file__).parent
    paths = (Path(sys.modules[layout(fmt).read.__module__].__file__), *(here / f"{m}.py" for m in READING))
    return hashlib.sha1(b"".join(p.read_bytes() for p in paths if p.exists())).hexdigest()


def load_splits(cfg: DataConfig, paths: dict[str, Path] | None = None) -> datasets.DatasetDict:
    """Raw examples (tokens as written, tags and/or label) of train, validation and test (``paths``: `split_paths`')."""
    paths = split_paths(require_data(cfg)) if paths is None else paths
    if cfg.hub_id is not None:
        splits = needs_part("data.hub", "data.hub_id").load_hub_splits(cfg, paths)
    else:  # a train file: DataConfig's checks, or the named dataset's preset
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


def prepare(cfg: DataConfig, vocabs: Vocabs | None = None, chars: bool = False, frozen_words: Sequence[str] = (),
            iob2: bool = False):
    """(splits with ids: data/encode.py, vocabs), the vocabularies built from train and checked unless given (a
    checkpoint's; ``chars``, ``frozen_words``: `build_vocabs`'); tags: `data.tags.check_bio` (``iob2``: a CRF's)."""
    paths = split_paths(require_data(cfg))
    dd = load_splits(cfg, paths)
    built = vocabs is None
    if built:
        vocabs = build_vocabs(dd["train"], cfg.min_freq, chars, cfg.lowercase, frozen_words)
        source = cfg.hub_id if cfg.hub_id is not None else str(paths["train"])
        cut = cfg.limit if cfg.limit is not None and len(dd["train"]) >= cfg.limit else None
        check_train(vocabs, source, cfg.min_freq, cut)
    if "tags" in vocabs.labels:  # the tagging task's
        needs_part("data.tags", "data with a tag field").check_bio(dd, vocabs.labels["tags"].itos, cfg, paths, iob2)
    vocabs.unseen = unseen(dd, vocabs, SPLITS[1:] if built else SPLITS)  # train's are seen when built
    return numericalize(dd, vocabs, cfg.lowercase), vocabs
