"""Data layouts (``data.format``): each module here reads one kind of file into examples and says which ``data.*``
settings it takes. A tagging example is ``{"tokens": [...], "tags": [...]}``, a classification example
``{"tokens": [...], "label": "..."}``, a joint one has both. A malformed line raises `DataFormatError` naming file and
line. A new layout: a module defining ``LAYOUTS = {name: Layout(...)}``, and its name here in `MODULES`. Each
layout's settings: its ``Layout.settings`` and docs/data.md (the format reference).
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Callable

from errors import needs_part

MODULES = {"conllu": "conllu", "columns": "columns", "seq_in_out": "seq_in_out", "csv": "delimited",
           "tsv": "delimited", "jsonl": "jsonl", "class_files": "class_files", "class_folders": "class_files",
           "trec": "trec"}
TASKS = ("tagging", "classification", "joint")
TAG_SCHEMES = ("iob2", "iob1")  # iob1: convert to IOB2 while reading; iob2 (or any other tags): keep as written
SETTINGS = ("tag_column", "token_column", "text_column", "label_column", "header", "tag_scheme", "classes",
            "fine_labels", "encoding")  # the data.* settings that only some layouts read


@dataclass(frozen=True)
class Layout:
    task: str                          # tagging | classification | joint: the examples' label fields
    read: Callable                     # (path, **options) -> [example, ...]
    options: Callable                  # get(setting) -> the reader's keyword arguments, defaults filled in
    settings: tuple[str, ...]          # which of `SETTINGS` it reads (setting another is an error)
    pretokenized: bool = False         # one token per field: never split again (else raw text, data.tokenizer)


def layout(name: str) -> Layout:
    """The layout of ``data.format`` (its module is imported on first use; a copy of the template may leave it out:
    scripts/new_project.py)."""
    return needs_part(f"{__name__}.{MODULES[name]}", f"data.format={name}").LAYOUTS[name]


def readers_of(setting: str) -> list[str]:
    """The formats that read ``data.<setting>`` (of those this copy of the template has), for the message that
    says where it belongs."""
    return [name for name in MODULES if importlib.util.find_spec(f"{__name__}.{MODULES[name]}") is not None
            and setting in layout(name).settings]
