"""Readers: one file -> a list of examples. They know file formats, nothing about tensors.

A tagging example is ``{"tokens": [...], "tags": [...]}``; a classification example is
``{"tokens": [...], "label": "..."}``; a joint example (intent + slots) has both. A malformed line raises
`DataFormatError` naming file and line; so does a missing, empty or NaN label, and (``check_iob2=True``, what
a CRF tagger asks for) a tag ``I-X`` that continues no X entity.

Labels are strings. JSON values become one string form, as the same value written in a CSV file would read: a
string is kept (stripped), an integral number is written as an integer (``1``, ``1.0`` and ``"1"`` are one class,
``"1"``), another number as Python writes it (``0.5``), ``true``/``false`` as ``"true"``/``"false"`` (their JSON
spelling, a class apart from ``1``); ``null``, NaN and infinities are errors.

| reader | format | columns |
|---|---|---|
| `read_conllu` | CoNLL-U | any of the 10 named fields as tag |
| `read_columns` | whitespace columns, blank line between sentences (CoNLL-2003) | token and tag by index |
| `read_seq_in_out` | a folder with line-aligned seq.in / seq.out / label (ATIS, SNIPS) | - |
| `read_delimited` | CSV or TSV, one example per row, header or not | text and label by name or index |
| `read_jsonl` | one JSON object per line | text and label by key |
| `read_trec` | TREC ``COARSE:fine question`` lines | - |
| `read_class_files` | a folder of one text file per class (``sports.txt``), an example per line | label = file name |
| `read_class_folders` | one folder per class, one example per file (aclImdb, 20 Newsgroups) | label = folder name |

Every reader but `read_trec` takes ``encoding`` (default strict UTF-8; a byte that is not valid in it is an error
naming file and line).
"""
from __future__ import annotations

import csv
import json
import os
import re
from itertools import zip_longest
from pathlib import Path
from typing import Iterator

from errors import DataFormatError
from .tags import first_invalid_iob2, iob1_to_iob2, iob2_problem
from .text import SPLIT, tokenize
from .values import csv_records, json_label, label_value, text_example

CONLLU_COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")
TAG_SCHEMES = ("iob2", "iob1")  # iob1: convert to IOB2 while reading; iob2 (or any other tags): keep as written
DOCSTART = "-DOCSTART-"
UNSPECIFIED = ("upos", "xpos", "head", "deprel", "deps")  # CoNLL-U columns where "_" means "not annotated"



def _open_lines(path: Path, encoding: str = "utf-8", keepends: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (line_no, line) without the newline; a byte not valid in ``encoding`` is reported with its line."""
    if "\n".encode(encoding) != b"\n":  # UTF-16/32, utf-8-sig: a newline is not (only) the byte 0x0A
        yield from _decoded_lines(path, encoding, keepends)
        return
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as e:
                raise DataFormatError(path, line_no, f"not valid {encoding} ({e.reason} at byte {e.start})") from None
            if line_no == 1:
                line = line.removeprefix("\ufeff")  # a byte order mark (Excel's CSV): not part of the text
            yield line_no, line if keepends else line.rstrip("\r\n")


def _decoded_lines(path: Path, encoding: str, keepends: bool) -> Iterator[tuple[int, str]]:
    """`_open_lines` for encodings whose newline is not the single byte 0x0A (UTF-16/32, a UTF-8 BOM): the whole
    file decoded, then split at newlines; an invalid byte is reported with the line it falls on."""
    data = Path(path).read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line_no = data[:e.start].decode(encoding, errors="replace").count("\n") + 1
        raise DataFormatError(path, line_no, f"not valid {encoding} ({e.reason} at byte {e.start} of the "
                                             f"file)") from None
    lines = text.split("\n")
    for line_no, line in enumerate(lines, start=1):
        last = line_no == len(lines)
        if last and not line:  # after the final newline
            return
        yield line_no, line + ("" if last else "\n") if keepends else line.rstrip("\r")


def _sentences(path: Path, comments: bool = False, encoding: str = "utf-8") -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated blocks of a column file, each a list of (line_no, line); ``#`` lines skipped if
    ``comments`` (CoNLL-U; in other column files ``#`` can be a token)."""
    block = []
    for line_no, line in _open_lines(path, encoding):
        if not line.strip():
            if block:
                yield block
            block = []
        elif not (comments and line.startswith("#")):
            block.append((line_no, line))
    if block:
        yield block


def read_conllu(path, tag_column: str = "upos", check_iob2: bool = False, encoding: str = "utf-8",
                tag_scheme: str = "iob2") -> list[dict]:
    """CoNLL-U -> [{"tokens", "tags"}]. Skips comments, multiword ranges (``3-4``) and empty nodes (``8.1``).

    In the annotation columns of `UNSPECIFIED` (upos, xpos, head, deprel, deps) ``_`` means "not annotated": an
    error naming the line, never a tag; in feats and misc it is the empty value, a tag of its own. ``tag_scheme``:
    as in `read_columns`."""
    path = Path(path)
    if tag_column not in CONLLU_COLUMNS:
        raise ValueError(f"tag_column {tag_column!r} is not a CoNLL-U column; valid: {', '.join(CONLLU_COLUMNS)}")
    col, unspecified = CONLLU_COLUMNS.index(tag_column), "_" if tag_column in UNSPECIFIED else None
    examples = []
    for block in _sentences(path, comments=True, encoding=encoding):
        tokens, tags, lines = [], [], []
        for line_no, line in block:
            fields = line.split("\t")
            if len(fields) != 10:
                raise DataFormatError(path, line_no, f"expected 10 tab-separated CoNLL-U fields, found {len(fields)}")
            if "-" in fields[0] or "." in fields[0]:  # multiword token range or empty node: not a word
                continue
            if fields[col] == unspecified:
                raise DataFormatError(path, line_no, f"{tag_column} is '_' (not annotated in CoNLL-U): every word "
                                                     f"needs a tag; annotate it, or choose another data.tag_column")
            tokens.append(fields[1])
            tags.append(fields[col])
            lines.append(line_no)
        tags = iob1_to_iob2(tags) if tag_scheme == "iob1" else tags
        if check_iob2:
            _check_iob2(path, tags, lines)
        if tokens:
            examples.append({"tokens": tokens, "tags": tags})
    return _nonempty(examples, path)


def read_columns(path, token_column: int = 0, tag_column: int = -1, tag_scheme: str = "iob2",
                 check_iob2: bool = False, encoding: str = "utf-8") -> list[dict]:
    """Whitespace-separated columns, one token per line, a blank line between sentences -> [{"tokens", "tags"}].

    Columns are 0-based indices (negative: from the end). Every token line must have as many columns as the
    file's first one. ``-DOCSTART-`` lines (CoNLL-2003 document breaks) are dropped. ``tag_scheme="iob1"``
    converts each sentence's IOB1 tags to IOB2.
    """
    path = Path(path)
    if tag_scheme not in TAG_SCHEMES:
        raise ValueError(f"tag_scheme must be one of {TAG_SCHEMES}, got {tag_scheme!r}")
    examples, width = [], None
    for block in _sentences(path, encoding=encoding):
        tokens, tags, lines = [], [], []
        for line_no, line in block:
            fields = line.split()
            if fields[0] == DOCSTART:
                continue
            lines.append(line_no)
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
        tags = iob1_to_iob2(tags) if tag_scheme == "iob1" else tags
        if check_iob2:
            _check_iob2(path, tags, lines)
        if tokens:
            examples.append({"tokens": tokens, "tags": tags})
    return _nonempty(examples, path)


def read_seq_in_out(folder, check_iob2: bool = False, encoding: str = "utf-8", tag_scheme: str = "iob2") -> list[dict]:
    """A folder with line-aligned ``seq.in`` (tokens), ``seq.out`` (one tag per token) and ``label`` (one per line)
    -> [{"tokens", "tags", "label"}]. Token/tag count or line count mismatches name the file and line.
    ``tag_scheme``: as in `read_columns`."""
    folder = Path(folder)
    files = [folder / name for name in ("seq.in", "seq.out", "label")]
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"{f}: missing (a seq.in/seq.out/label folder needs all three)")
    examples = []
    for lines in zip_longest(*(_open_lines(f, encoding) for f in files)):
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
        tags = iob1_to_iob2(tags) if tag_scheme == "iob1" else tags
        if check_iob2:
            _check_iob2(files[1], tags, [line_no] * len(tags))
        examples.append({"tokens": tokens, "tags": tags, "label": label_value(files[2], line_no, label)})
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
                   header: bool = True, encoding: str = "utf-8", tokenizer: str = SPLIT) -> list[dict]:
    """CSV (``delimiter=","``, standard quoting) or TSV (``"\\t"``, no quoting) -> [{"tokens", "label"}].

    Columns are header names (with ``header=True``) or 0-based indices. Text is split by ``tokenizer`` (a
    `data.text` name).
    """
    path = Path(path)
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    rows = csv_records(path, (line for _, line in _open_lines(path, encoding, keepends=True)), delimiter, quoting)
    names = next(rows, (1, 1, None))[2] if header else None
    if header and names is None:
        raise DataFormatError(path, None, "file is empty")
    t, y = (_column_index(c, names, path) for c in (text_column, label_column))
    if t == y:
        raise DataFormatError(path, None, f"data.text_column and data.label_column name the same column ({t}): the "
                                          f"label would be read as the text too; give them two columns")
    width, examples = len(names) if names else None, []
    for first, last, row in rows:
        if not row:  # a blank line
            continue
        width = width or len(row)
        spans = f" in a record running from this line to line {last}: a stray quote (\") opened a field that a " \
                f"later quote closes (write a quote inside a field as \"\")" if last > first else ""
        if len(row) != width or max(t, y) >= width:
            raise DataFormatError(path, first, f"expected {width} fields (text in column {t}, label in {y}), found "
                                               f"{len(row)}{spans}")
        if spans and "\n" in row[y]:
            raise DataFormatError(path, first, f"the label spans lines{spans}")
        examples.append(text_example(path, first, row[t], row[y], tokenizer))
    return _nonempty(examples, path)


def read_jsonl(path, text_column: str = "text", label_column: str = "label", encoding: str = "utf-8",
               tokenizer: str = SPLIT) -> list[dict]:
    """One JSON object per line -> [{"tokens", "label"}]; the text is a string (split by ``tokenizer``) or a list
    of tokens (kept as they are), the label a string, number or boolean. Blank lines are skipped."""
    path = Path(path)
    if text_column == label_column:
        raise DataFormatError(path, None, f"data.text_column and data.label_column are both {text_column!r}: the "
                                          f"label would be read as the text too; give them two keys")
    examples = []
    for line_no, line in _open_lines(path, encoding):
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
        if not isinstance(text, str) or isinstance(obj[label_column], (dict, list)):
            raise DataFormatError(path, line_no, f"{text_column!r} must be a string or a list of strings and "
                                                 f"{label_column!r} a string, number or boolean")
        examples.append(text_example(path, line_no, text, json_label(path, line_no, obj[label_column]),
                                      SPLIT if given else tokenizer))
    return _nonempty(examples, path)


def read_class_files(folder, encoding: str = "utf-8", classes: list[str] | None = None,
                     tokenizer: str = SPLIT) -> list[dict]:
    """A folder with one text file per class -> [{"tokens", "label"}]. The label is the file name without its
    extension (``sports.txt`` -> ``sports``); one example per line, an empty line is an error. ``classes``:
    read only these (None: every file; names starting with ``.`` are skipped)."""
    folder = Path(folder)
    examples = []
    for label, path in _classes(folder, "file", classes):
        first = len(examples)
        for line_no, line in _open_lines(path, encoding):
            tokens = tokenize(line, tokenizer=tokenizer)
            if not tokens:
                raise DataFormatError(path, line_no, "empty line (one example per line)")
            examples.append({"tokens": tokens, "label": label})
        if len(examples) == first:
            raise DataFormatError(path, None, "empty file")
    return _nonempty(examples, folder)


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
            tokens = tokenize(" ".join(line for _, line in _open_lines(path, encoding)), tokenizer=tokenizer)
            if not tokens:
                raise DataFormatError(path, None, "empty file")
            examples.append({"tokens": tokens, "label": label})
    return _nonempty(examples, folder)


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


def _column_index(column: str | int, names: list[str] | None, path: Path) -> int:
    """A column given by header name, or by 0-based index (as int or digit string)."""
    if names is not None and column in names:
        return names.index(column)
    if isinstance(column, int) or str(column).isdigit():
        return int(column)
    where = f"header {names}" if names is not None else "a file without header (give a 0-based index)"
    raise DataFormatError(path, 1 if names is not None else None, f"no column {column!r} in {where}")


def _check_iob2(path: Path, tags: list[str], lines: list[int]) -> None:
    """DataFormatError at the line of the first tag that is not valid IOB2 (module docstring)."""
    i = first_invalid_iob2(tags)
    if i is not None:
        raise DataFormatError(path, lines[i], iob2_problem(tags, i))


def _nonempty(examples: list[dict], path: Path) -> list[dict]:
    if not examples:
        raise DataFormatError(path, None, "no examples found (empty file?)")
    return examples
