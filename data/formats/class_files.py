"""A release of per-class files: one text file per class (an example per line), or one folder per class (an example
per file, aclImdb)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from errors import DataFormatError
from ..files import nonempty, open_lines
from ..text import SPLIT, tokenize
from . import Layout

def read_class_files(folder, encoding: str = "utf-8", classes: list[str] | None = None,
                     tokenizer: str = SPLIT) -> list[dict]:
    """A folder with one text file per class -> [{"tokens", "label"}]. The label is the file name without its
    extension (``sports.txt`` -> ``sports``); one example per line, an empty line is an error. ``classes``:
    read only these (None: every file; names starting with ``.`` are skipped)."""
    folder = Path(folder)
    examples = []
    for label, path in _classes(folder, "file", classes):
        first = len(examples)
        for line_no, line in open_lines(path, encoding):
            tokens = tokenize(line, tokenizer=tokenizer)
            if not tokens:
                raise DataFormatError(path, line_no, "empty line (one example per line)")
            examples.append({"tokens": tokens, "label": label})
        if len(examples) == first:
            raise DataFormatError(path, None, "empty file")
    return nonempty(examples, folder)


def read_class_folders(folder, encoding: str = "utf-8", classes: list[str] | None = None,
                       tokenizer: str = SPLIT) -> list[dict]:
    """A folder with one folder per class -> [{"tokens", "label"}]: the label is the folder's name, each file in
    it one example (its whole text; line breaks are spaces). Files beside the class folders (aclImdb's
    ``urls_pos.txt``) are not read; an empty file or a folder inside a class folder is an error. ``classes``:
    read only these folders (None: all; names starting with ``.`` are skipped)."""
    folder = Path(folder)
    examples = []
    for label, class_dir in _classes(folder, "folder", classes):
        files = [f for f in sorted(class_dir.iterdir()) if not f.name.startswith(".")]
        if not files:
            raise DataFormatError(class_dir, None, "empty class folder")
        for path in files:
            if path.is_dir():
                raise DataFormatError(path, None, "a folder inside a class folder (expected one file per example)")
            tokens = tokenize(" ".join(line for _, line in open_lines(path, encoding)), tokenizer=tokenizer)
            if not tokens:
                raise DataFormatError(path, None, "empty file")
            examples.append({"tokens": tokens, "label": label})
    return nonempty(examples, folder)


DOCS = re.compile(r"readme|^licen[cs]e|^copying|^citation|\.(md|pdf|html?)$", re.IGNORECASE)  # beside the data


def _classes(folder: Path, kind: str, classes: list[str] | None) -> list[tuple[str, Path]]:
    """(label, path) of each class file (kind "file": label from the file names, `_file_labels`) or class folder
    (kind "folder": its name), sorted by label; hidden files and a release's documentation beside the class files
    (`DOCS`: README, LICENSE, *.md, ...) are not classes. Duplicate labels and a missing wanted class are errors."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder (expected a folder with one {kind} per class)")
    paths = [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")
             and (p.is_dir() if kind == "folder" else not DOCS.search(p.name))]
    for path in paths:
        if kind == "file" and path.is_dir():
            raise DataFormatError(path, None, "a folder among the class files (one folder per class, one file per "
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


EXTENSIONS = {"txt", "text", "tsv", "csv", "json", "jsonl", "tok", "dat"}  # never a class label


def _file_labels(paths: list[Path]) -> list[str]:
    """Class labels from file names: the name without its extension (``sports.txt`` -> sports); where those are
    all one, the dot-separated part that differs (``subj.objective``, ``subj.subjective`` -> objective, subjective;
    ``rt-polarity.neg``, ``rt-polarity.pos`` -> neg, pos), unless that part is a file extension (``pos.txt``,
    ``pos.tsv``: both stay ``pos``, which `_classes` refuses)."""
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
