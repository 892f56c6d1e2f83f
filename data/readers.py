"""Readers: one file -> a list of examples. They know file formats, nothing about tensors.

A tagging example is ``{"tokens": [...], "tags": [...]}``; a classification example is
``{"tokens": [...], "label": "..."}``. A malformed line raises `DataFormatError` naming file and line.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .text import tokenize

CONLLU_COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")


class DataFormatError(ValueError):
    """A data file that does not have the expected format; the message names file and line."""

    def __init__(self, path, line_no: int | None, message: str):
        where = f"{path}:{line_no}" if line_no is not None else f"{path}"
        super().__init__(f"{where}: {message}")


def _open_lines(path: Path, encoding: str = "utf-8"):
    """Yield (line_no, line) without the newline; a non-UTF-8 byte is reported with its line."""
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                yield line_no, raw.decode(encoding).rstrip("\r\n")
            except UnicodeDecodeError as e:
                raise DataFormatError(path, line_no, f"not valid {encoding} ({e.reason} at byte {e.start})") from None


def read_conllu(path, tag_column: str = "upos") -> list[dict]:
    """CoNLL-U -> [{"tokens", "tags"}]. Skips comments, multiword ranges (``3-4``) and empty nodes (``8.1``)."""
    path = Path(path)
    if tag_column not in CONLLU_COLUMNS:
        raise ValueError(f"tag_column {tag_column!r} is not a CoNLL-U column; valid: {', '.join(CONLLU_COLUMNS)}")
    col = CONLLU_COLUMNS.index(tag_column)
    examples, tokens, tags = [], [], []
    for line_no, line in _open_lines(path):
        if not line.strip():
            if tokens:
                examples.append({"tokens": tokens, "tags": tags})
                tokens, tags = [], []
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 10:
            raise DataFormatError(path, line_no, f"expected 10 tab-separated CoNLL-U fields, found {len(fields)}")
        if "-" in fields[0] or "." in fields[0]:  # multiword token range or empty node: not a word
            continue
        tokens.append(fields[1])
        tags.append(fields[col])
    if tokens:
        examples.append({"tokens": tokens, "tags": tags})
    return _nonempty(examples, path)


def read_trec(path, fine: bool = False) -> list[dict]:
    """TREC ``COARSE:fine question ...`` lines -> [{"tokens", "label"}].

    The official train file has one byte 0xF0 (line 66) that is not UTF-8; like the Hugging Face loader we
    replace it with a space.
    """
    path = Path(path)
    examples = []
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            line = raw.replace(b"\xf0", b" ").decode("utf-8", errors="strict").strip()
            if not line:
                continue
            label, _, text = line.partition(" ")
            if ":" not in label or not text.strip():
                raise DataFormatError(path, line_no, "expected 'COARSE:fine question tokens'")
            examples.append({"tokens": tokenize(text), "label": label if fine else label.split(":")[0]})
    return _nonempty(examples, path)


def read_tsv_classification(path, text_column: str = "sentence", label_column: str = "label") -> list[dict]:
    """A TSV file with a header row -> [{"tokens", "label"}]; text is whitespace-tokenised."""
    path = Path(path)
    examples = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None:
            raise DataFormatError(path, None, "file is empty")
        for name in (text_column, label_column):
            if name not in header:
                raise DataFormatError(path, 1, f"no column {name!r} in header {header}")
        t, y = header.index(text_column), header.index(label_column)
        for row in reader:
            if len(row) != len(header):
                raise DataFormatError(path, reader.line_num, f"expected {len(header)} fields, found {len(row)}")
            tokens = tokenize(row[t])
            if not tokens:
                raise DataFormatError(path, reader.line_num, "empty text")
            examples.append({"tokens": tokens, "label": row[y].strip()})
    return _nonempty(examples, path)


def _nonempty(examples: list[dict], path: Path) -> list[dict]:
    if not examples:
        raise DataFormatError(path, None, "no examples found (empty file?)")
    return examples
