"""What a field of a data file may hold, for the readers (data/formats/): a label is a value, not a missing-value
marker, and text holds characters (no lone surrogate); else a `DataFormatError` naming file and line."""
from __future__ import annotations

from pathlib import Path

from errors import DataFormatError
from .text import SPLIT, split

# A label that is one of these is a missing value, not a class: pandas' default NA strings (read_csv's na_values),
# but "None", a real intent name in LUIS-style data, and "" (an empty label, its own error).
MISSING = ("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
           "NULL", "NaN", "n/a", "nan", "null")


def text_example(path: Path, line_no: int, text: str, label: str, tokenizer: str = SPLIT) -> dict:
    """{"tokens", "label"} of one line of text and its label; no text, no label or a lone surrogate are errors."""
    for what, value in (("text", text), ("label", label)):
        try:
            value.encode("utf-8")  # a lone surrogate (U+D800-DFFF, JSON's "\ud800") has no UTF-8
        except UnicodeEncodeError as e:
            raise DataFormatError(path, line_no, f"the {what} holds a lone surrogate ({value[e.start]!r} at character "
                                                 f"{e.start + 1}), half of a character's UTF-16 escape: fix the "
                                                 f"escape") from None
    tokens = split(text, tokenizer)
    if not tokens:
        raise DataFormatError(path, line_no, "empty text")
    return {"tokens": tokens, "label": label_value(path, line_no, label)}


def label_value(path: Path, line_no: int, label: str) -> str:
    """The label stripped; an empty one and a missing-value marker (`MISSING`: NA, NULL, nan, ...) are errors."""
    label = label.strip()
    if not label:
        raise DataFormatError(path, line_no, "empty label")
    if label in MISSING or label.lower() == "nan":
        raise DataFormatError(path, line_no, f"label is {label!r} (a missing value?): a missing-value marker as "
                                             f"pandas reads it, not a class; label the example or drop it")
    return label
