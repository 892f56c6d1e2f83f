"""Named public datasets and where they live -> a `datasets.DatasetDict` with train/validation/test.

Every split goes through Hugging Face `datasets`: parsed once by a reader, cached as Arrow (the cache key
includes each file's size and mtime, so an edited file is re-read), numericalised with `.map`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import datasets

from . import readers
from .text import normalize
from .vocab import Vocab

DATA_ROOT_ENV = "RNN_DATA_ROOT"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class DataConfig:
    name: str = "ud_en_ewt"            # one of DATASETS
    root: Optional[str] = None         # folder holding the dataset folders; None: $RNN_DATA_ROOT, then ../shared/data
    tag_column: str = "upos"           # CoNLL-U column to tag (upos, xpos, deprel, ...)
    fine_labels: bool = False          # TREC: the 50-way fine label instead of the 6-way coarse one
    lowercase: bool = False            # lower-case tokens before the vocabulary sees them
    min_freq: int = 1                  # words seen fewer times in train become <unk>
    dev_fraction: float = 0.1          # held out from train when a dataset has no dev split (TREC, SST-2)
    limit: Optional[int] = None        # keep only the first `limit` examples of each split (tests, smoke runs)
    hub_id: Optional[str] = None       # online users: a Hub dataset id instead of local files (not testable here)

    def __post_init__(self):
        if self.name not in DATASETS and self.hub_id is None:
            raise ValueError(f"unknown dataset {self.name!r}; valid: {', '.join(sorted(DATASETS))}")
        if not 0.0 < self.dev_fraction < 1.0:
            raise ValueError(f"data.dev_fraction must be in (0, 1), got {self.dev_fraction}")


# name -> (task, {split: (reader, file, reader kwargs from config)}); "validation" missing = held out of train.
DATASETS = {
    "ud_en_ewt": ("tagging", {
        "train": ("conllu", "ud_en_ewt/en_ewt-ud-train.conllu"),
        "validation": ("conllu", "ud_en_ewt/en_ewt-ud-dev.conllu"),
        "test": ("conllu", "ud_en_ewt/en_ewt-ud-test.conllu"),
    }),
    "trec": ("classification", {
        "train": ("trec", "trec/train_5500.label"),
        "test": ("trec", "trec/TREC_10.label"),
    }),
    # GLUE SST-2 test has no labels: its dev set is the evaluation ("test") split here, and model
    # selection uses a slice held out of train, so the reported dev number was never used to choose.
    "sst2": ("classification", {
        "train": ("tsv", "sst2/train.tsv"),
        "test": ("tsv", "sst2/dev.tsv"),
    }),
}


def task_of(cfg: DataConfig) -> str:
    return DATASETS[cfg.name][0]


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


def _read(reader: str, path: str, size: int, mtime: float, tag_column: str, fine: bool):
    """Generator for Dataset.from_generator; size/mtime are only there to key the cache."""
    if reader == "conllu":
        yield from readers.read_conllu(path, tag_column)
    elif reader == "trec":
        yield from readers.read_trec(path, fine)
    elif reader == "tsv":
        yield from readers.read_tsv_classification(path)
    else:
        raise ValueError(f"unknown reader {reader!r}")


def load_splits(cfg: DataConfig) -> datasets.DatasetDict:
    """Raw examples (tokens + tags or label) for train, validation and test."""
    if cfg.hub_id is not None:
        return datasets.load_dataset(cfg.hub_id)  # online only; columns must be tokens + tags/label
    _, files = DATASETS[cfg.name]
    root = data_root(cfg)
    splits = {}
    for split, (reader, rel) in files.items():
        path = root / rel
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing file for split {split!r} of dataset {cfg.name!r}")
        st = path.stat()
        kwargs = dict(reader=reader, path=str(path), size=st.st_size, mtime=st.st_mtime,
                      tag_column=cfg.tag_column, fine=cfg.fine_labels)
        splits[split] = datasets.Dataset.from_generator(_read, gen_kwargs=kwargs)
    if "validation" not in splits:  # fixed seed: the same dev set whatever the training seed
        held = splits["train"].train_test_split(test_size=cfg.dev_fraction, seed=1234)
        splits["train"], splits["validation"] = held["train"], held["test"]
    dd = datasets.DatasetDict(splits)
    if cfg.limit is not None:
        dd = datasets.DatasetDict({k: v.select(range(min(cfg.limit, len(v)))) for k, v in dd.items()})
    if cfg.lowercase:
        dd = dd.map(lambda ex: {"tokens": normalize(ex["tokens"], lowercase=True)})
    return dd


def numericalize(dd: datasets.DatasetDict, words, labels) -> datasets.DatasetDict:
    """Add ``ids`` (word ids), ``label_ids`` (int or one per token) and ``length`` to every split."""
    label_key = "tags" if "tags" in dd["train"].column_names else "label"

    def encode(ex):
        y = ex[label_key]
        return {"ids": words.encode(ex["tokens"]), "length": len(ex["tokens"]),
                "label_ids": labels.encode(y) if label_key == "tags" else labels.encode([y])[0]}

    return dd.map(encode, desc="numericalize")


def build_vocabs(train: datasets.Dataset, min_freq: int):
    """Word vocabulary (PAD, UNK, then words seen >= min_freq times) and label set, from train only."""
    words = Vocab.build(train["tokens"], min_freq=min_freq)
    if "tags" in train.column_names:
        labels = Vocab.build(train["tags"], specials=False)
    else:
        labels = Vocab.build([[y] for y in train["label"]], specials=False)
    return words, labels


def prepare(cfg: DataConfig, words: Vocab | None = None, labels: Vocab | None = None):
    """Load, build vocabularies from train (unless given, e.g. from a checkpoint), numericalise.

    Returns (DatasetDict with ids/label_ids/length columns, words, labels).
    """
    dd = load_splits(cfg)
    if words is None or labels is None:
        words, labels = build_vocabs(dd["train"], cfg.min_freq)
    for split in ("validation", "test"):
        key = "tags" if "tags" in dd[split].column_names else "label"
        values = dd[split][key]
        unseen = sorted(({y for ys in values for y in ys} if key == "tags" else set(values)) - set(labels.itos))
        if unseen:
            print(f"warning: {split} has labels never seen in training (counted as errors): {unseen}")
    return numericalize(dd, words, labels), words, labels
