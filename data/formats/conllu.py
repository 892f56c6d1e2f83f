"""CoNLL-U (Universal Dependencies): one word per line in 10 tab-separated fields, a blank line between sentences;
any field as the tag (``data.tag_column``, default upos)."""
from __future__ import annotations

from pathlib import Path

from errors import ConfigError, DataFormatError
from ..files import nonempty
from ..tags import sentences, tagged
from . import Layout

CONLLU_COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")


UNSPECIFIED = ("upos", "xpos", "head", "deprel", "deps")  # CoNLL-U columns where "_" means "not annotated"


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
    for block in sentences(path, comments=True, encoding=encoding):
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
        examples += tagged(path, tokens, tags, lines, tag_scheme, check_iob2)
    return nonempty(examples, path)


def options(get) -> dict:
    column = get("tag_column") or "upos"
    if column not in CONLLU_COLUMNS:
        raise ConfigError(f"data.tag_column must be a CoNLL-U column ({', '.join(CONLLU_COLUMNS)}), got {column!r}")
    return {"tag_column": column, "tag_scheme": get("tag_scheme") or "iob2", "encoding": get("encoding")}


LAYOUTS = {"conllu": Layout("tagging", read_conllu, options, ("tag_column", "tag_scheme", "encoding"),
                            pretokenized=True)}
