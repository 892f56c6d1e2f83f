"""Per-class files: one text file per class, an example per line (``class_files``), or one folder per class, an
example per file (``class_folders``, aclImdb). Which names are labels: docs/data.md."""
from __future__ import annotations

import os
import re
from pathlib import Path

from errors import DataFormatError
from ..files import nonempty, open_lines
from ..text import SPLIT, split
from . import Layout

DOCS = re.compile(r"readme|^licen[cs]e|^copying|^citation|\.(md|pdf|html?)$", re.IGNORECASE)  # beside the data
EXTENSIONS = {"txt", "text", "tsv", "csv", "json", "jsonl", "tok", "dat"}  # never a class label


def read_class_files(folder, encoding: str = "utf-8", classes: list[str] | None = None,
                     tokenizer: str = SPLIT) -> list[dict]:
    """A folder with one text file per class (the label: its name, `_file_labels`), one example per line ->
    [{"tokens", "label"}]; ``classes``: read only these (None: all)."""
    folder, examples = Path(folder), []
    for label, path in _classes(folder, "file", classes):
        first = len(examples)
        for line_no, line in open_lines(path, encoding):
            tokens = split(line, tokenizer)
            if not tokens:
                raise DataFormatError(path, line_no, "empty line (one example per line)")
            examples.append({"tokens": tokens, "label": label})
        if len(examples) == first:
            raise DataFormatError(path, None, "empty file")
    return nonempty(examples, folder)


def read_class_folders(folder, encoding: str = "utf-8", classes: list[str] | None = None,
                       tokenizer: str = SPLIT) -> list[dict]:
    """A folder with one folder per class (the label: its name), one example per file (its whole text) ->
    [{"tokens", "label"}]; files beside the class folders are not read. ``classes``: read only these (None: all)."""
    folder, examples = Path(folder), []
    for label, class_dir in _classes(folder, "folder", classes):
        files = [f for f in sorted(class_dir.iterdir()) if not f.name.startswith(".")]
        if not files:
            raise DataFormatError(class_dir, None, "empty class folder")
        for path in files:
            if path.is_dir():
                raise DataFormatError(path, None, "a folder inside a class folder (expected one file per example)")
            tokens = split(" ".join(line for _, line in open_lines(path, encoding)), tokenizer)
            if not tokens:
                raise DataFormatError(path, None, "empty file")
            examples.append({"tokens": tokens, "label": label})
    return nonempty(examples, folder)


def _classes(folder: Path, kind: str, classes: list[str] | None) -> list[tuple[str, Path]]:
    """(label, path) of each class ``kind`` ("file" or "folder") wanted, sorted by label; names starting with "."
    and a release's documentation (`DOCS`) are not classes."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder (expected a folder with one {kind} per class)")
    paths = [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")
             and (p.is_dir() if kind == "folder" else not DOCS.search(p.name))]
    if kind == "file" and (sub := next((p for p in paths if p.is_dir()), None)):
        raise DataFormatError(sub, None, "a folder among the class files (one folder per class, one file per "
                                         "example: format class_folders)")
    found = {}
    for label, path in zip(_file_labels(paths) if kind == "file" else [p.name for p in paths], paths):
        if label in found:
            raise DataFormatError(path, None, f"gives the label {label!r} (its name without the extension) as "
                                              f"{found[label].name} does: rename one")
        found[label] = path
    missing = sorted(set(classes or ()) - set(found))
    if missing or not found:
        raise DataFormatError(folder, None, f"no class {kind} {missing or ''}; found: {sorted(found) or 'none'}")
    return [(label, found[label]) for label in sorted(found) if classes is None or label in classes]


def _file_labels(paths: list[Path]) -> list[str]:
    """Labels from file names: each name without its extension or, where those are all one, the dot-separated
    part that differs (``rt-polarity.neg`` -> neg) unless that is a file extension (`EXTENSIONS`)."""
    stems = [p.stem for p in paths]
    if len(set(stems)) == len(stems) or len(paths) < 2:
        return stems
    parts = [p.name.split(".") for p in paths]
    head = min(len(os.path.commonprefix(parts)), *(len(q) - 1 for q in parts))
    tail = min(len(os.path.commonprefix([q[::-1] for q in parts])), *(len(q) - 1 - head for q in parts))
    labels = [".".join(q[head:len(q) - tail]) for q in parts]
    return stems if EXTENSIONS & {label.lower() for label in labels} else labels


def options(get) -> dict:
    return {"classes": get("classes"), "encoding": get("encoding"), "tokenizer": get("tokenizer")}


LAYOUTS = {"class_files": Layout("classification", read_class_files, options, ("classes", "encoding")),
           "class_folders": Layout("classification", read_class_folders, options, ("classes", "encoding"))}
