"""Label raw text with a saved run: one sentence per line in, one prediction per line out (docs/predict.md).

    python predict.py runs/ud-20261127-101500 sentences.txt              # token/TAG token/TAG ...
    echo "What's the capital of France?" | python predict.py runs/trec-20261127-101500 --format json
    echo "flights from boston to denver" | python predict.py runs/atis-20261127-101500  # INTENT<TAB>p<TAB>token/TAG ..

Text is tokenised as in training (the run's data.tokenizer, or a whitespace split with --pretokenized) and looked
up in the run's own vocabularies. Blank lines are skipped but counted: the JSON "line" is the input's (from 1).
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import json
import sys
from contextlib import nullcontext
from functools import partial
from itertools import islice
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from errors import ConfigError, DataFormatError, run_cli
from data.text import SPLIT, split
from inference.predictor import Predictor
from training.device import check_device


def format_text(result: dict) -> str:
    """`token/TAG ...` for tags; `LABEL<TAB>probability<TAB>sentence` for a label; both for a joint result. The
    sentence is its tokens joined by single spaces (so a tab in the input cannot add a column)."""
    text = (" ".join(f"{w}/{t}" for w, t in zip(result["tokens"], result["tags"])) if "tags" in result
            else " ".join(result["tokens"]))
    return f"{result['label']}\t{result['probability']:.4f}\t{text}" if "label" in result else text


PRINTERS = {"text": format_text, "json": partial(json.dumps, ensure_ascii=False)}  # --format: how each is printed


def numbered_sentences(lines: Iterable[str], tokenizer: str = SPLIT) -> Iterator[tuple[int, list[str]]]:
    """(line number from 1, its tokens) for every line with at least one (split by ``tokenizer``); blank lines,
    and lines of nothing but characters the tokenizer drops (a lone BOM, a zero-width space), are skipped."""
    for line_no, line in enumerate(lines, start=1):
        if tokens := split(line, tokenizer):
            yield line_no, tokens


def input_lines(stream: BinaryIO, name: str) -> Iterator[str]:
    """The lines of a UTF-8 byte stream (``name``: for messages) as text, without their line break (and the first
    without a BOM). Text that is not UTF-8 is a DataFormatError naming the line: a UTF-16 byte order mark, a NUL byte
    (binary data, or UTF-16/32 text) or bytes that do not decode."""
    for line_no, raw in enumerate(stream, start=1):
        if line_no == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataFormatError(name, 1, "UTF-16 text (a UTF-16 byte order mark): predict.py reads UTF-8; convert "
                                           "it first, e.g. iconv -f UTF-16 -t UTF-8")
        if b"\0" in raw:
            raise DataFormatError(name, line_no, "a NUL byte: binary data, or UTF-16/32 text; predict.py reads UTF-8 "
                                                 "text, one sentence per line")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DataFormatError(name, line_no, f"not valid UTF-8 ({e.reason} at byte {e.start}): predict.py reads "
                                                 f"UTF-8; convert it first, e.g. iconv -f LATIN1 -t UTF-8") from None
        yield (line.removeprefix("\ufeff") if line_no == 1 else line).rstrip("\r\n")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", type=Path, help="a run directory holding best.pt")
    p.add_argument("file", nargs="?", default="-", help="UTF-8 text, one sentence per line (default or '-': stdin)")
    p.add_argument("--format", choices=sorted(PRINTERS), default="text")
    p.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass (default 64)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, ...")
    p.add_argument("--pretokenized", action="store_true", help="the input is tokens separated by spaces: split on "
                                                               "whitespace instead of the run's tokenizer")
    return p.parse_args(argv)


def main(argv=None) -> int:
    """Print one prediction per non-blank input line, batch by batch (so a pipe sees output as it goes); returns
    the number of sentences labelled."""
    args = parse_args(argv)
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {args.batch_size}")
    check_device(args.device, "--device", "cpu")
    if args.file == "-" and sys.stdin is None:
        raise ConfigError("stdin is closed: give a FILE, or pipe text in (one sentence per line)")
    predictor = Predictor.from_run_dir(args.run_dir, device=args.device, batch_size=args.batch_size,
                                       pretokenized=args.pretokenized)
    fmt, count = PRINTERS[args.format], 0
    with nullcontext(sys.stdin.buffer) if args.file == "-" else open(args.file, "rb") as stream:
        lines = input_lines(stream, "stdin" if args.file == "-" else args.file)
        sentences = numbered_sentences(lines, predictor.tokenizer)
        while chunk := list(islice(sentences, args.batch_size)):
            for (line_no, _), result in zip(chunk, predictor.predict_tokens([t for _, t in chunk])):
                print(fmt({"line": line_no, **result}))
            sys.stdout.flush()
            count += len(chunk)
    return count


if __name__ == "__main__":
    run_cli(main)
