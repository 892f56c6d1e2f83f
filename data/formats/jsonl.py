"""JSON lines: one object per line holding a sentence and its label (``data.format: jsonl``)."""
from __future__ import annotations

import json
import math
from pathlib import Path

from errors import DataFormatError
from ..files import nonempty, open_lines
from ..text import SPLIT
from ..values import text_example
from . import Layout


def read_jsonl(path, text_column: str = "text", label_column: str = "label", encoding: str = "utf-8",
               tokenizer: str = SPLIT) -> list[dict]:
    """One JSON object per line -> [{"tokens", "label"}]; the text is a string (split by ``tokenizer``) or a list
    of tokens (kept as they are), the label a string, number or boolean. Blank lines are skipped."""
    path = Path(path)
    if text_column == label_column:
        raise DataFormatError(path, None, f"data.text_column and data.label_column are both {text_column!r}: the "
                                          f"label would be read as the text too; give them two keys")
    examples = []
    for line_no, line in open_lines(path, encoding):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataFormatError(path, line_no, f"not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict) or text_column not in obj or label_column not in obj:
            raise DataFormatError(path, line_no, f"expected a JSON object with keys {text_column!r} and "
                                                 f"{label_column!r}")
        text, label = obj[text_column], obj[label_column]
        given = isinstance(text, list) and all(isinstance(w, str) for w in text)  # already tokens
        if not (given or isinstance(text, str)) or isinstance(label, (dict, list)):
            raise DataFormatError(path, line_no, f"{text_column!r} must be a string or a list of strings and "
                                                 f"{label_column!r} a string, number or boolean")
        examples.append(text_example(path, line_no, " ".join(text) if given else text,
                                     json_label(path, line_no, label), SPLIT if given else tokenizer))
    return nonempty(examples, path)


def json_label(path: Path, line_no: int, value) -> str:
    """A JSON label in its one string form (`read_jsonl`): 1, 1.0 and "1" -> "1"; true -> "true"."""
    if value is None:
        raise DataFormatError(path, line_no, "label is null (a missing value?)")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataFormatError(path, line_no, f"label is {value} (a missing value?)")
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def options(get) -> dict:
    return {"text_column": get("text_column") or "text", "label_column": get("label_column") or "label",
            "encoding": get("encoding"), "tokenizer": get("tokenizer")}


LAYOUTS = {"jsonl": Layout("classification", read_jsonl, options, ("text_column", "label_column", "encoding"))}
