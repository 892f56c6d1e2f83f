"""Joint intent + slots (ATIS, SNIPS): a folder holding line-aligned seq.in (tokens), seq.out (a tag per token) and
label (the sentence's intent)."""
from __future__ import annotations

from itertools import zip_longest
from pathlib import Path

from errors import DataFormatError
from ..files import nonempty, open_lines
from ..tags import iob1_to_iob2, require_iob2
from ..text import split
from ..values import label_value
from . import Layout

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
    for lines in zip_longest(*(open_lines(f, encoding) for f in files)):
        missing = [f for f, line in zip(files, lines) if line is None]
        if missing:
            line_no = max(line[0] for line in lines if line is not None)
            raise DataFormatError(missing[0], line_no, f"file ends before line {line_no} of the others")
        (line_no, text), (_, out), (_, label) = lines
        tokens, tags = split(text), out.split()
        if not tokens:
            raise DataFormatError(files[0], line_no, "empty utterance")
        if len(tags) != len(tokens):
            raise DataFormatError(files[1], line_no, f"{len(tags)} tags for the {len(tokens)} tokens of "
                                                     f"{files[0].name} line {line_no}")
        tags = iob1_to_iob2(tags) if tag_scheme == "iob1" else tags
        if check_iob2:
            require_iob2(files[1], tags, [line_no] * len(tags))
        examples.append({"tokens": tokens, "tags": tags, "label": label_value(files[2], line_no, label)})
    return nonempty(examples, folder)


def options(get) -> dict:
    return {"tag_scheme": get("tag_scheme") or "iob2", "encoding": get("encoding")}


LAYOUTS = {"seq_in_out": Layout("joint", read_seq_in_out, options, ("tag_scheme", "encoding"), pretokenized=True)}
