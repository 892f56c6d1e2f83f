"""Readers: one file -> a list of examples. They know file formats, nothing about tensors.

A tagging example is ``{"tokens": [...], "tags": [...]}``; a classification example is
``{"tokens": [...], "label": "..."}``; a joint example (intent + slots) has both. A malformed line raises
`DataFormatError` naming file and line.

| reader | format | columns |
|---|---|---|
| `read_conllu` | CoNLL-U | any of the 10 named fields as tag |
| `read_columns` | whitespace columns, blank line between sentences (CoNLL-2003) | token and tag by index |
| `read_seq_in_out` | a folder with line-aligned seq.in / seq.out / label (ATIS, SNIPS) | - |
| `read_delimited` | CSV or TSV, one example per row, header or not | text and label by name or index |
| `read_jsonl` | one JSON object per line | text and label by key |
| `read_trec` | TREC ``COARSE:fine question`` lines | - |
"""
from __future__ import annotations

import csv
import json
from itertools import zip_longest
from pathlib import Path
from typing import Iterator

from .tags import iob1_to_iob2
from .text import SPLIT, tokenize

CONLLU_COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")
TAG_SCHEMES = ("iob2", "iob1")  # iob1: convert to IOB2 while reading; iob2 (or any other tags): keep as written
DOCSTART = "-DOCSTART-"


class DataFormatError(ValueError):
    """A data file that does not have the expected format; the message names file and line."""

    def __init__(self, path, line_no: int | None, message: str):
        where = f"{path}:{line_no}" if line_no is not None else f"{path}"
        super().__init__(f"{where}: {message}")


def _open_lines(path: Path, encoding: str = "utf-8", keepends: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (line_no, line) without the newline; a non-UTF-8 byte is reported with its line."""
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as e:
                raise DataFormatError(path, line_no, f"not valid {encoding} ({e.reason} at byte {e.start})") from None
            yield line_no, line if keepends else line.rstrip("\r\n")


def _sentences(path: Path, comments: bool = False) -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated blocks of a column file, each a list of (line_no, line); ``#`` lines skipped if
    ``comments`` (CoNLL-U; in other column files ``#`` can be a token)."""
    block = []
    for line_no, line in _open_lines(path):
        if not line.strip():
            if block:
                yield block
            block = []
        elif not (comments and line.startswith("#")):
            block.append((line_no, line))
    if block:
        yield block


def read_conllu(path, tag_column: str = "upos") -> list[dict]:
    """CoNLL-U -> [{"tokens", "tags"}]. Skips comments, multiword ranges (``3-4``) and empty nodes (``8.1``)."""
    path = Path(path)
    if tag_column not in CONLLU_COLUMNS:
        raise ValueError(f"tag_column {tag_column!r} is not a CoNLL-U column; valid: {', '.join(CONLLU_COLUMNS)}")
    col = CONLLU_COLUMNS.index(tag_column)
    examples = []
    for block in _sentences(path, comments=True):
        tokens, tags = [], []
        for line_no, line in block:
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


def read_columns(path, token_column: int = 0, tag_column: int = -1, tag_scheme: str = "iob2") -> list[dict]:
    """Whitespace-separated columns, one token per line, a blank line between sentences -> [{"tokens", "tags"}].

    Columns are 0-based indices (negative: from the end). Every token line must have as many columns as the
    file's first one. ``-DOCSTART-`` lines (CoNLL-2003 document breaks) are dropped. ``tag_scheme="iob1"``
    converts each sentence's IOB1 tags to IOB2.
    """
    path = Path(path)
    if tag_scheme not in TAG_SCHEMES:
        raise ValueError(f"tag_scheme must be one of {TAG_SCHEMES}, got {tag_scheme!r}")
    examples, width = [], None
    for block in _sentences(path):
        tokens, tags = [], []
        for line_no, line in block:
            fields = line.split()
            if fields[0] == DOCSTART:
                continue
            width = width or len(fields)
            if len(fields) != width or width < 2:
                raise DataFormatError(path, line_no, f"expected {max(width, 2)} whitespace-separated columns "
                                                     f"(as on the file's first token line), found {len(fields)}")
            try:
                tokens.append(fields[token_column])
                tags.append(fields[tag_column])
            except IndexError:
                raise DataFormatError(path, line_no, f"no column {token_column} or {tag_column} in {width} "
                                                     f"columns") from None
        if tokens:
            examples.append({"tokens": tokens, "tags": iob1_to_iob2(tags) if tag_scheme == "iob1" else tags})
    return _nonempty(examples, path)


def read_seq_in_out(folder) -> list[dict]:
    """A folder with line-aligned ``seq.in`` (tokens), ``seq.out`` (one tag per token) and ``label`` (one per line)
    -> [{"tokens", "tags", "label"}]. Token/tag count or line count mismatches name the file and line."""
    folder = Path(folder)
    files = [folder / name for name in ("seq.in", "seq.out", "label")]
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"{f}: missing (a seq.in/seq.out/label folder needs all three)")
    examples = []
    for lines in zip_longest(*(_open_lines(f) for f in files)):
        missing = [f for f, line in zip(files, lines) if line is None]
        if missing:
            line_no = max(line[0] for line in lines if line is not None)
            raise DataFormatError(missing[0], line_no, f"file ends before line {line_no} of the others")
        (line_no, text), (_, out), (_, label) = lines
        tokens, tags = tokenize(text), out.split()
        if not tokens:
            raise DataFormatError(files[0], line_no, "empty utterance")
        if len(tags) != len(tokens):
            raise DataFormatError(files[1], line_no, f"{len(tags)} tags for the {len(tokens)} tokens of "
                                                     f"{files[0].name} line {line_no}")
        if not label.strip():
            raise DataFormatError(files[2], line_no, "empty label")
        examples.append({"tokens": tokens, "tags": tags, "label": label.strip()})
    return _nonempty(examples, folder)


def read_trec(path, fine: bool = False, tokenizer: str = SPLIT) -> list[dict]:
    """TREC ``COARSE:fine question ...`` lines -> [{"tokens", "label"}], the question split by ``tokenizer``.

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
            examples.append({"tokens": tokenize(text, tokenizer=tokenizer),
                             "label": label if fine else label.split(":")[0]})
    return _nonempty(examples, path)


def read_delimited(path, delimiter: str = ",", text_column: str | int = "text", label_column: str | int = "label",
                   header: bool = True, tokenizer: str = SPLIT) -> list[dict]:
    """CSV (``delimiter=","``, standard quoting) or TSV (``"\\t"``, no quoting) -> [{"tokens", "label"}].

    Columns are header names (with ``header=True``) or 0-based indices. Text is split by ``tokenizer`` (a
    `data.text` name).
    """
    path = Path(path)
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader((line for _, line in _open_lines(path, keepends=True)), delimiter=delimiter, quoting=quoting)
    names = next(reader, None) if header else None
    if header and names is None:
        raise DataFormatError(path, None, "file is empty")
    t, y = (_column_index(c, names, path) for c in (text_column, label_column))
    width, examples = len(names) if names else None, []
    for row in reader:
        if not row:  # a blank line
            continue
        width = width or len(row)
        if len(row) != width or max(t, y) >= width:
            raise DataFormatError(path, reader.line_num, f"expected {width} fields (text in column {t}, label in "
                                                         f"{y}), found {len(row)}")
        examples.append(_text_example(path, reader.line_num, row[t], row[y], tokenizer))
    return _nonempty(examples, path)


def read_jsonl(path, text_column: str = "text", label_column: str = "label", tokenizer: str = SPLIT) -> list[dict]:
    """One JSON object per line -> [{"tokens", "label"}]; the text is a string (split by ``tokenizer``) or a list
    of tokens (kept as they are), the label a string or number. Blank lines are skipped."""
    path = Path(path)
    examples = []
    for line_no, line in _open_lines(path):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataFormatError(path, line_no, f"not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict) or text_column not in obj or label_column not in obj:
            raise DataFormatError(path, line_no, f"expected a JSON object with keys {text_column!r} and "
                                                 f"{label_column!r}")
        text = obj[text_column]
        given = isinstance(text, list) and all(isinstance(w, str) for w in text)  # already tokens
        if given:
            text = " ".join(text)
        if not isinstance(text, str) or isinstance(obj[label_column], (dict, list)) or obj[label_column] is None:
            raise DataFormatError(path, line_no, f"{text_column!r} must be a string or a list of strings and "
                                                 f"{label_column!r} a string or number")
        examples.append(_text_example(path, line_no, text, str(obj[label_column]),
                                      SPLIT if given else tokenizer))
    return _nonempty(examples, path)


def _column_index(column: str | int, names: list[str] | None, path: Path) -> int:
    """A column given by header name, or by 0-based index (as int or digit string)."""
    if names is not None and column in names:
        return names.index(column)
    if isinstance(column, int) or str(column).isdigit():
        return int(column)
    where = f"header {names}" if names is not None else "a file without header (give a 0-based index)"
    raise DataFormatError(path, 1 if names is not None else None, f"no column {column!r} in {where}")


def _text_example(path: Path, line_no: int, text: str, label: str, tokenizer: str = SPLIT) -> dict:
    tokens = tokenize(text, tokenizer=tokenizer)
    if not tokens:
        raise DataFormatError(path, line_no, "empty text")
    if not label.strip():
        raise DataFormatError(path, line_no, "empty label")
    return {"tokens": tokens, "label": label.strip()}


def _nonempty(examples: list[dict], path: Path) -> list[dict]:
    if not examples:
        raise DataFormatError(path, None, "no examples found (empty file?)")
    return examples
