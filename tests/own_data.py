"""Tiny datasets written into a test's folder, and the train.py arguments that train on them in a second or two:
tests that need a run but not the public data (../shared/data) use these."""
from __future__ import annotations

import importlib.util
from pathlib import Path

MODEL = ["model.embed_dim=8", "model.hidden_size=8", "model.num_layers=1", "train.epochs=1", "train.batch_size=4",
         "data.limit=null"]
SENTENCES = [("what a great fun film", "pos"), ("a dull and boring plot", "neg"), ("great acting and great fun", "pos"),
             ("boring and slow and dull", "neg"), ("fun from start to end", "pos"), ("the worst film this year", "neg"),
             ("i loved every minute", "pos"), ("i want my money back", "neg")]
NER = [("Peter lives in Paris", "B-PER O O B-LOC"), ("the EU said no", "O B-ORG O O"),
       ("Anna Smith met Bob", "B-PER I-PER O B-PER"), ("New York is big", "B-LOC I-LOC O O"),
       ("Paris and Rome", "B-LOC O B-LOC"), ("IBM hired Anna", "B-ORG O B-PER")]


def csv_text(rows: list[tuple[str, str]]) -> str:
    return "text,label\n" + "".join(f"{text},{label}\n" for text, label in rows)


def columns_text(rows: list[tuple[str, str]]) -> str:
    return "".join("".join(f"{w} {t}\n" for w, t in zip(s.split(), tags.split())) + "\n" for s, tags in rows)


def classification(folder: Path, test: list[tuple[str, str]] | None = None) -> list[str]:
    """train.py arguments for a CSV classifier on SENTENCES (dev = train), tested on ``test`` (default SENTENCES)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.csv").write_text(csv_text(SENTENCES))
    (folder / "test.csv").write_text(csv_text(test or SENTENCES))
    return ["configs/tiny.yaml", "data.name=mine", "data.format=csv", f"data.train_file={folder / 'train.csv'}",
            f"data.validation_file={folder / 'train.csv'}", f"data.test_file={folder / 'test.csv'}", *MODEL]


def tagging(folder: Path, test: list[tuple[str, str]] | None = None, train: list[tuple[str, str]] | None = None
            ) -> list[str]:
    """train.py arguments for a BIO tagger (columns format) on NER (dev = train), tested on ``test``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.txt").write_text(columns_text(train or NER))
    (folder / "test.txt").write_text(columns_text(test or NER))
    return ["configs/tiny.yaml", "data.name=mine", "data.format=columns", f"data.train_file={folder / 'train.txt'}",
            f"data.validation_file={folder / 'train.txt'}", f"data.test_file={folder / 'test.txt'}", *MODEL]


def any_task(folder: Path) -> list[str]:
    """`classification`, or in a copy of the template without sentence labels (scripts/new_project.py) `tagging`:
    for the tests of what every run does, whatever it learns."""
    if importlib.util.find_spec("data.formats.delimited") is not None:
        return classification(folder)
    return [*tagging(folder), "train.select_metric=accuracy"]  # one epoch on six sentences: no entity yet
