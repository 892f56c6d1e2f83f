"""Label raw text with a saved run: one sentence per line in, one prediction per line out.

    python predict.py runs/ud-20261127-101500 sentences.txt              # token/TAG token/TAG ...
    echo "What's the capital of France?" | python predict.py runs/trec-20261127-101500 --format json
    echo "flights from boston to denver" | python predict.py runs/atis-20261127-101500   # INTENT<TAB>p<TAB>token/TAG ...

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

import torch

from data.batching import Batch, collate
from data.encode import encode_tokens
from data.datasets import resolve_text
from data.text import SPLIT, tokenize
from data.vocab import Vocab, Vocabs
from models.tasks import build_model
from training.checkpoint import load_checkpoint
from training.config import load_config


def decode_fields(pred: dict[str, list], labels: dict[str, Vocab]) -> list[dict]:
    """A task model's ``predict`` output (ids per label field) -> one dict per sentence with strings:
    "label" and "probability" (softmax probability of the argmax) for a sentence label, "tags" for token tags."""
    n = len(next(iter(pred.values())))
    out = [{} for _ in range(n)]
    if "label" in pred:
        for o, y, p in zip(out, pred["label"], pred["probability"]):
            o.update(label=labels["label"].itos[y], probability=p)
    if "tags" in pred:
        for o, ids in zip(out, pred["tags"]):
            o["tags"] = labels["tags"].decode(ids)
    return out


class Predictor:
    """A trained model with its vocabularies and tokenizer settings: load once, then `predict` many times.

    Args:
        model: a task model from `models.tasks` (put in eval mode here).
        task: "tagging", "classification" or "joint".
        vocabs: the run's vocabularies (words, chars if the model has a char-CNN, labels per field).
        lowercase: the run's ``data.lowercase``.
        tokenizer: the run's ``data.tokenizer`` (a `data.text` name) for the raw sentences.
        device: where the model runs; lengths stay on the CPU (see `Batch`).
        batch_size: sentences per forward pass.
    """

    def __init__(self, model: torch.nn.Module, task: str, vocabs: Vocabs, lowercase: bool,
                 device: str | torch.device = "cpu", batch_size: int = 64, tokenizer: str = SPLIT):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.task, self.vocabs, self.lowercase, self.tokenizer = task, vocabs, lowercase, tokenizer
        self.words, self.labels = vocabs.words, vocabs.labels
        self.batch_size = batch_size

    @classmethod
    def from_run_dir(cls, run_dir: str | Path, device: str | torch.device = "cpu", batch_size: int = 64,
                     pretokenized: bool = False) -> "Predictor":
        """Rebuild the model from RUN_DIR/best.pt (tensors loaded onto the CPU, so GPU-trained runs load anywhere).

        ``pretokenized``: the sentences are tokens separated by spaces (split on whitespace, not re-tokenised).
        """
        ckpt = load_checkpoint(Path(run_dir) / "best.pt")
        cfg = load_config(base=ckpt["config"])
        cfg.data = resolve_text(cfg.data, ckpt["config"]["data"])  # saved before data.tokenizer: whitespace
        vocabs = Vocabs.from_dict(ckpt)
        model = build_model(ckpt["task"], len(vocabs.words), vocabs.label_names(), cfg.model, len(vocabs.chars or []))
        model.load_state_dict(ckpt["model"])
        return cls(model, ckpt["task"], vocabs, cfg.data.lowercase, device, batch_size,
                   SPLIT if pretokenized else cfg.data.tokenizer)

    def batch(self, tokens: list[list[str]]) -> Batch:
        """Raw tokens of some sentences -> the model's input batch (normalised as in training), on the device."""
        return collate([encode_tokens(t, self.vocabs, self.lowercase) for t in tokens]).to(self.device)

    @torch.no_grad()
    def predict(self, sentences: list[str]) -> list[dict]:
        """Raw sentences -> one dict per sentence, in order.

        Each dict has "tokens" (the input split by the run's tokenizer; data.lowercase only affects the
        vocabulary lookup) and the task's fields: "label" and "probability" (a sentence label), "tags" (one per token).
        Raises ValueError for a blank sentence (it has no tokens to label).
        """
        tokens = [tokenize(s, tokenizer=self.tokenizer) for s in sentences]
        for i, toks in enumerate(tokens):
            if not toks:
                raise ValueError(f"sentence {i} is blank: nothing to label")
        results = []
        for start in range(0, len(tokens), self.batch_size):
            chunk = tokens[start: start + self.batch_size]
            fields = decode_fields(self.model.predict(self.batch(chunk)), self.labels)
            results += [{"tokens": t, **f} for t, f in zip(chunk, fields)]
        return results


def format_text(result: dict) -> str:
    """`token/TAG ...` for tags; `LABEL<TAB>probability<TAB>sentence` for a label; both for a joint result.

    The sentence is its tokens joined by single spaces (so a tab in the input cannot add a column).
    """
    text = (" ".join(f"{w}/{t}" for w, t in zip(result["tokens"], result["tags"])) if "tags" in result
            else " ".join(result["tokens"]))
    return f"{result['label']}\t{result['probability']:.4f}\t{text}" if "label" in result else text


def format_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False)


FORMATS = {"text": format_text, "json": format_json}


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
    p.add_argument("--format", choices=sorted(FORMATS), default="text")
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
    fmt, count = FORMATS[args.format], 0
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
    main()
