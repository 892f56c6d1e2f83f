"""One sentence and its label per row: CSV (standard quoting) or TSV (no quoting), header or not."""
from __future__ import annotations

import csv
from functools import partial
from pathlib import Path
from typing import Iterator

from errors import DataFormatError
from ..files import nonempty, open_lines
from ..text import SPLIT
from ..values import text_example
from . import Layout

FIELD_SIZE_LIMIT = 2**31 - 1  # a CSV/TSV field may be a whole document (csv's default limit: 128 KB)
COMMA = ' (a text holding a comma goes in quotes: "a, b")'


def read_delimited(path, delimiter: str = ",", text_column: str | int = "text", label_column: str | int = "label",
                   header: bool = True, encoding: str = "utf-8", tokenizer: str = SPLIT) -> list[dict]:
    """CSV or TSV -> [{"tokens", "label"}]; columns: header names or 0-based indices; text split by ``tokenizer``."""
    path = Path(path)
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    rows = csv_records(path, (line for _, line in open_lines(path, encoding, keepends=True)), delimiter, quoting)
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
                                               f"{len(row)}{spans or COMMA * (len(row) > width and delimiter == ',')}")
        if spans and "\n" in row[y]:
            raise DataFormatError(path, first, f"the label spans lines{spans}")
        examples.append(text_example(path, first, row[t], row[y], tokenizer))
    return nonempty(examples, path)


def csv_records(path: Path, lines: Iterator[str], delimiter: str, quoting: int) -> Iterator[tuple[int, int, list]]:
    """(first line, last line, fields) of each record (a quoted field may hold line breaks), fields of any size;
    csv's errors name the line where their record starts."""
    old = csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader, first = csv.reader(lines, delimiter=delimiter, quoting=quoting), 1
    try:
        for row in reader:
            yield first, reader.line_num, row
            first = reader.line_num + 1
    except csv.Error as e:
        raise DataFormatError(path, first, f"{e} (in the record starting on this line)") from None
    finally:
        csv.field_size_limit(old)


def _column_index(column: str | int, names: list[str] | None, path: Path) -> int:
    """A column given by header name, or by 0-based index (as int or digit string)."""
    if names is not None and column in names:
        return names.index(column)
    if isinstance(column, int) or str(column).isdigit():
        return int(column)
    where = (f"header {names} (other names: data.text_column, data.label_column; a first row of data: "
             f"data.header: false)" if names is not None else "a file without header (give a 0-based index)")
    raise DataFormatError(path, 1 if names is not None else None, f"no column {column!r} in {where}")


def options(get, delimiter: str) -> dict:
    """The text and label columns by header name, or by index without a header."""
    text_col, label_col = ("text", "label") if get("header") else ("0", "1")
    return {"delimiter": delimiter, "header": get("header"), "text_column": get("text_column") or text_col,
            "label_column": get("label_column") or label_col, "encoding": get("encoding"),
            "tokenizer": get("tokenizer")}


TABLE = ("text_column", "label_column", "header", "encoding")
LAYOUTS = {"csv": Layout("classification", read_delimited, partial(options, delimiter=","), TABLE),
           "tsv": Layout("classification", read_delimited, partial(options, delimiter="\t"), TABLE)}
