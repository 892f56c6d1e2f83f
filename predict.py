"""Label raw text with a saved run: one sentence per line in, one prediction per line out.

    python predict.py runs/ud-20261127-101500 sentences.txt              # token/TAG token/TAG ...
    echo "What's the capital of France?" | python predict.py runs/trec-20261127-101500 --format json
    echo "flights from boston to denver" | python predict.py runs/atis-20261127-101500  # INTENT<TAB>p<TAB>token/TAG ..

Text is tokenised exactly as in training: the run's ``data.tokenizer`` (`data.text`; runs saved before that
setting: whitespace split), or a whitespace split with ``--pretokenized``; words lower-cased for the vocabulary if
the run's config says data.lowercase, characters as written. Tokens are looked up in the run's own
vocabularies (unknown words and characters -> <unk>). A CRF tagger decodes with Viterbi. Blank lines are skipped
but still counted, so the JSON "line" field is the input line number (1-based).
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import json
import sys
from pathlib import Path
from typing import Iterable, Iterator

from data.text import SPLIT, tokenize
from training.errors import run_cli
from training.predictor import Predictor


def format_text(result: dict) -> str:
    """`token/TAG ...` for tags; `LABEL<TAB>probability<TAB>sentence` for a label; both for a joint result.

    The sentence is its tokens joined by single spaces (so a tab in the input cannot add a column).
    """
    text = (" ".join(f"{w}/{t}" for w, t in zip(result["tokens"], result["tags"])) if "tags" in result
            else " ".join(result["tokens"]))
    return f"{result['label']}\t{result['probability']:.4f}\t{text}" if "label" in result else text


def format_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False)


PRINTERS = {"text": format_text, "json": format_json}  # --format: how each prediction is printed


def numbered_sentences(lines: Iterable[str], tokenizer: str = SPLIT) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) for every line with at least one token (split by ``tokenizer``); blank lines,
    and lines of nothing but characters the tokenizer drops (a lone BOM, a zero-width space), are skipped."""
    for line_no, line in enumerate(lines, start=1):
        if tokenize(line, tokenizer=tokenizer):
            yield line_no, line


def chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
    """Print one prediction per non-blank input line, batch by batch (so a pipe sees output as it goes).

    Returns the number of sentences labelled.
    """
    args = parse_args(argv)
    predictor = Predictor.from_run_dir(args.run_dir, device=args.device, batch_size=args.batch_size,
                                       pretokenized=args.pretokenized)
    fmt, count = PRINTERS[args.format], 0
    stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8-sig")  # -sig: drop a BOM
    try:
        for chunk in chunks(numbered_sentences(stream, predictor.tokenizer), args.batch_size):
            for (line_no, _), result in zip(chunk, predictor.predict([s for _, s in chunk])):
                print(fmt({"line": line_no, **result}))
            sys.stdout.flush()
            count += len(chunk)
    finally:
        if stream is not sys.stdin:
            stream.close()
    return count


if __name__ == "__main__":
    run_cli(main)
