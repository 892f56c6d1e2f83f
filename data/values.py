"""What a field of a data file may hold, for the readers (data/formats/): a label is a value, not a missing-value
marker (pandas' strings; JSON's null and NaN: formats/jsonl.py); text holds characters (not a lone surrogate); a
CSV/TSV record may span lines and hold fields of any size. A field that breaks these is a `DataFormatError` naming
file and line.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from errors import DataFormatError
from .text import SPLIT, tokenize

FIELD_SIZE_LIMIT = 2**31 - 1  # a CSV/TSV field may be a whole document (csv's default limit: 128 KB)
# A label that is one of these is a missing value, not a class: pandas' default NA strings (read_csv's na_values),
# but "None", a real intent name in LUIS-style data, and "" (an empty label, its own error).
MISSING = ("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
           "NULL", "NaN", "n/a", "nan", "null")


def csv_records(path: Path, lines: Iterator[str], delimiter: str, quoting: int) -> Iterator[tuple[int, int, list]]:
    """(first line, last line, fields) of each CSV/TSV record (a quoted field may hold line breaks), fields of any
    size (csv's own limit is 128 KB); csv's errors name the line where their record starts."""
    old = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        reader, first = csv.reader(lines, delimiter=delimiter, quoting=quoting), 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise DataFormatError(path, first, f"{e} (in the record starting on this line)") from None
            yield first, reader.line_num, row
            first = reader.line_num + 1
    finally:
        csv.field_size_limit(old)


def text_example(path: Path, line_no: int, text: str, label: str, tokenizer: str = SPLIT) -> dict:
    """{"tokens", "label"} of one line of text and its label; no text, no label or a lone surrogate are errors."""
    for what, value in (("text", text), ("label", label)):
        if (i := _lone_surrogate(value)) is not None:
            raise DataFormatError(path, line_no, f"the {what} holds a lone surrogate ({value[i]!r} at character "
                                                 f"{i + 1}), half of a character's UTF-16 escape: fix the escape")
    tokens = tokenize(text, tokenizer=tokenizer)
    if not tokens:
        raise DataFormatError(path, line_no, "empty text")
    return {"tokens": tokens, "label": label_value(path, line_no, label)}


def label_value(path: Path, line_no: int, label: str) -> str:
    """The label stripped; an empty one and a missing-value marker (`MISSING`: NA, NULL, nan, ...) are errors."""
    if not label.strip():
        raise DataFormatError(path, line_no, "empty label")
    if label.strip() in MISSING or label.strip().lower() == "nan":
        raise DataFormatError(path, line_no, f"label is {label.strip()!r} (a missing value?): a missing-value "
                                             f"marker as pandas reads it, not a class; label the example or drop it")
    return label.strip()


def _lone_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate (U+D800-DFFF, JSON's "\\ud800"): not a character, no UTF-8 for it."""
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as e:
        return e.start
