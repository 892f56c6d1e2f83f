"""Data layouts (``data.format``): a module here reads one kind of file into examples (``{"tokens", "tags"}``,
``{"tokens", "label"}`` or both; a malformed line is a `DataFormatError` naming file and line) and registers it,
with its options and the ``data.*`` settings it takes, as ``LAYOUTS = {name: Layout(...)}``; its name goes in
`MODULES`. The settings of each layout: docs/data.md.
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
    """The layout of ``data.format``, its module imported on first use (a copy of the template may lack it)."""
    return needs_part(f"{__name__}.{MODULES[name]}", f"data.format={name}").LAYOUTS[name]


def readers_of(setting: str) -> list[str]:
    """The formats of this copy of the template that read ``data.<setting>``."""
    return [name for name in MODULES if importlib.util.find_spec(f"{__name__}.{MODULES[name]}") is not None
            and setting in layout(name).settings]
