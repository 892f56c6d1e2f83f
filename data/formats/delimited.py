"""One sentence and its label per row: CSV (standard quoting) or TSV (no quoting), header or not (JSON lines:
jsonl.py)."""
from __future__ import annotations

import csv
from pathlib import Path

from errors import DataFormatError
from ..files import nonempty, open_lines
from ..text import SPLIT
from ..values import csv_records, text_example
from . import Layout

def read_delimited(path, delimiter: str = ",", text_column: str | int = "text", label_column: str | int = "label",
                   header: bool = True, encoding: str = "utf-8", tokenizer: str = SPLIT) -> list[dict]:
    """CSV (``delimiter=","``, standard quoting) or TSV (``"\\t"``, no quoting) -> [{"tokens", "label"}].

    Columns are header names (with ``header=True``) or 0-based indices. Text is split by ``tokenizer`` (a
    `data.text` name).
    """
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
                                               f"{len(row)}{spans}")
        if spans and "\n" in row[y]:
            raise DataFormatError(path, first, f"the label spans lines{spans}")
        examples.append(text_example(path, first, row[t], row[y], tokenizer))
    return nonempty(examples, path)


def _column_index(column: str | int, names: list[str] | None, path: Path) -> int:
    """A column given by header name, or by 0-based index (as int or digit string)."""
    if names is not None and column in names:
        return names.index(column)
    if isinstance(column, int) or str(column).isdigit():
        return int(column)
    where = f"header {names}" if names is not None else "a file without header (give a 0-based index)"
    raise DataFormatError(path, 1 if names is not None else None, f"no column {column!r} in {where}")


def table_options(get) -> dict:
    """csv / tsv: the text and label columns by header name, or by index without a header."""
    text_col, label_col = ("text", "label") if get("header") else ("0", "1")
    return {"header": get("header"), "text_column": get("text_column") or text_col, "encoding": get("encoding"),
            "label_column": get("label_column") or label_col, "tokenizer": get("tokenizer")}


TABLE = ("text_column", "label_column", "header", "encoding")
LAYOUTS = {"csv": Layout("classification", read_delimited, lambda get: {**table_options(get), "delimiter": ","},
                         TABLE),
           "tsv": Layout("classification", read_delimited, lambda get: {**table_options(get), "delimiter": "\t"},
                         TABLE)}
