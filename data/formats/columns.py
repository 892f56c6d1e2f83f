"""Whitespace-separated columns, one token per line, a blank line between sentences (CoNLL-2003)."""
from __future__ import annotations

from pathlib import Path

from errors import ConfigError, DataFormatError
from ..files import nonempty
from ..tags import sentences, tagged
from . import TAG_SCHEMES, Layout

DOCSTART = "-DOCSTART-"


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
    for block in sentences(path, encoding=encoding):
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
        examples += tagged(path, tokens, tags, lines, tag_scheme, check_iob2)
    return nonempty(examples, path)


def options(get) -> dict:
    try:
        columns = {"token_column": int(get("token_column") or 0), "tag_column": int(get("tag_column") or -1)}
    except ValueError:
        raise ConfigError(f"data.token_column and data.tag_column must be integers for format 'columns', got "
                          f"{get('token_column')!r} and {get('tag_column')!r}") from None
    return {**columns, "tag_scheme": get("tag_scheme") or "iob2", "encoding": get("encoding")}


LAYOUTS = {"columns": Layout("tagging", read_columns, options, ("token_column", "tag_column", "tag_scheme", "encoding"),
                             pretokenized=True)}
