"""TREC question classification files: ``COARSE:fine question tokens`` per line."""
from __future__ import annotations

from pathlib import Path

from errors import DataFormatError
from ..files import nonempty
from ..text import SPLIT, split
from . import Layout

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
            examples.append({"tokens": split(text, tokenizer),
                             "label": label if fine else label.split(":")[0]})
    return nonempty(examples, path)


def options(get) -> dict:
    return {"fine": get("fine_labels"), "tokenizer": get("tokenizer")}


LAYOUTS = {"trec": Layout("classification", read_trec, options, ("fine_labels",))}
