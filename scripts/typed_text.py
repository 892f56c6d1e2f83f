"""Text as people type it: how a saved run does on raw text, not on the dataset's own tokens.

    python -m scripts.typed_text runs/trec-... runs/sst2-... runs/pos_ud_ewt-... [--tokenizer NAME]

- A classifier (TREC, SST-2): test accuracy on the file's tokens, and on the same sentences "as typed": the tokens
  joined back into text by another library's detokenizer (sacremoses' Moses detokenizer, after the PTB quotes
  ```` `` '' ```` become ``"``), then split by the run's tokenizer, as `predict.py` does; also the share of typed
  sentences whose tokens equal the file's, and the accuracy with a whitespace split (the tokenizer before
  ``data.tokenizer``), and the labels of the hand-written sentences of tests/data/typed_text.jsonl.
- A UD tagger: each test sentence's ``# text`` line through the tokenizer: the share of sentences whose tokens
  are the gold words (FORM), and UPOS accuracy over gold words when the tagger is given the raw text. A predicted
  token counts for the gold word with exactly its character span; a gold word that the tokenizer split or merged
  with another counts as wrong. Words of a multiword token (``don't`` = ``do`` + ``n't``) get sub-spans of it when
  they spell it.

The tokenizer is the run's ``data.tokenizer``; a run saved before that setting gets its dataset's preset (it was
trained on the same tokens), or ``--tokenizer``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from training import threads  # noqa: F401  first: OpenMP's wait policy before torch loads
from data.datasets import load_splits, split_paths
from data.config import DataConfig, describe, tokenizer_of
from data.text import SPLIT, TOKENIZERS, split
from errors import run_cli
from scripts.typed import PTB_QUOTES, as_typed, ud_sentences
from inference.predictor import decode_fields
from inference.predictor import Predictor
from inference.run import load_run

HAND_WRITTEN = Path(__file__).resolve().parent.parent / "tests" / "data" / "typed_text.jsonl"


def token_spans(text: str, tokens: list[str]) -> list[tuple[int, int] | None]:
    """Character spans of the tokenizer's tokens in ``text`` (PTB quotes match ``"``; case-insensitive)."""
    low, spans, cursor = text.lower(), [], 0
    for t in tokens:
        options = [t.lower()] + (['"'] if t in PTB_QUOTES else [])
        hits = [(low.find(o, cursor), o) for o in options]
        hits = [(i, o) for i, o in hits if i >= 0 and not low[cursor:i].strip()]
        if not hits:
            spans.append(None)
            continue
        i, o = min(hits)
        spans.append((i, i + len(o)))
        cursor = i + len(o)
    return spans


def raw_text_upos(predictor: Predictor, sentences: list[dict]) -> dict:
    """Gold-word accuracy of the tagger given the raw ``# text`` lines (see the module docstring), and the share
    of gold words whose span the tokenizer reproduced (the ceiling of that accuracy)."""
    results = predictor.predict([s["text"] for s in sentences])
    same, spans_right, correct, total = 0, 0, 0, 0
    for s, r in zip(sentences, results):
        same += r["tokens"] == s["words"]
        predicted = {span: tag for span, tag in zip(token_spans(s["text"], r["tokens"]), r["tags"]) if span}
        for span, gold in zip(s["spans"], s["upos"]):
            spans_right += span in predicted
            correct += span is not None and predicted.get(span) == gold
            total += 1
    return {"sentences": len(sentences), "same_tokens": same, "upos_accuracy": correct / total,
            "spans_right": spans_right / total, "words": total}


def gold_token_upos(predictor: Predictor, sentences: list[dict]) -> float:
    """UPOS accuracy when the tagger is given the gold words (the usual test figure)."""
    correct = total = 0
    for start in range(0, len(sentences), predictor.batch_size):
        chunk = sentences[start: start + predictor.batch_size]
        tags = decode_fields(predictor.model.predict(predictor.batch([s["words"] for s in chunk])), predictor.labels)
        for s, t in zip(chunk, tags):
            correct += sum(p == g for p, g in zip(t["tags"], s["upos"]))
            total += len(s["upos"])
    return correct / total


def accuracy(predictor: Predictor, texts: list[str], labels: list[str]) -> float:
    return sum(r["label"] == y for r, y in zip(predictor.predict(texts), labels)) / len(labels)


def run_tokenizer(data: DataConfig, saved_data: dict, override: str | None) -> tuple[str, str]:
    """(tokenizer, where the name came from) for a run's data config and the data section its checkpoint saved."""
    if override:
        return override, "--tokenizer"
    if "tokenizer" in saved_data:
        return data.tokenizer, "the run's data.tokenizer"
    return tokenizer_of(DataConfig(name=data.name)), f"the {data.name} preset (run saved before data.tokenizer)"


def report(run_dir: Path, override: str | None = None) -> dict:
    """Every figure for one run, printed and returned."""
    run = load_run(run_dir)
    data = run.config.data
    tokenizer, source = run_tokenizer(data, run.saved_config["data"], override)
    predictor = Predictor(run.model, run.task, run.vocabs, data.lowercase, tokenizer=tokenizer)
    print(f"{run_dir}: {data.name or describe(data)}, tokenizer {tokenizer} ({source})")
    if predictor.task == "tagging":
        sentences = ud_sentences(split_paths(data)["test"])
        out = {"gold_tokens": gold_token_upos(predictor, sentences)}
        print(f"  UPOS over gold words given the gold tokens: {100 * out['gold_tokens']:.2f}")
        for name in dict.fromkeys([SPLIT, tokenizer]):
            predictor.tokenizer = name
            out[name] = m = raw_text_upos(predictor, sentences)
            print(f"  {name:13s} # text -> tokens = gold words: {m['same_tokens']} of {m['sentences']} "
                  f"({100 * m['same_tokens'] / m['sentences']:.1f}%); UPOS over {m['words']} gold words from raw "
                  f"text: {100 * m['upos_accuracy']:.2f} (spans right: {100 * m['spans_right']:.2f}%)")
        return out
    test = load_splits(data)["test"]
    labels = test["label"]
    typed = [as_typed(t) for t in test["tokens"]]
    predictor.tokenizer = SPLIT
    out = {"tokenized": accuracy(predictor, [" ".join(t) for t in test["tokens"]], labels),
           "typed_whitespace": accuracy(predictor, typed, labels)}
    predictor.tokenizer = tokenizer
    out["typed"] = accuracy(predictor, typed, labels)
    out["same_tokens"] = sum(split(x, tokenizer) == t for x, t in zip(typed, test["tokens"])) / len(typed)
    print(f"  test accuracy: tokenized {100 * out['tokenized']:.2f} | as typed, {tokenizer} "
          f"{100 * out['typed']:.2f} | as typed, whitespace split {100 * out['typed_whitespace']:.2f} "
          f"| typed text re-tokenized to the file's tokens: {100 * out['same_tokens']:.1f}% of {len(typed)}")
    rows = [r for r in map(json.loads, HAND_WRITTEN.read_text(encoding="utf-8").splitlines())
            if r["dataset"] == data.name]
    if rows:
        out["hand_written"] = accuracy(predictor, [r["text"] for r in rows], [r["label"] for r in rows])
        print(f"  hand-written {HAND_WRITTEN.name}: {round(out['hand_written'] * len(rows))} of {len(rows)} labels "
              f"right")
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dirs", nargs="+", type=Path)
    p.add_argument("--tokenizer", choices=list(TOKENIZERS), help="instead of the run's (or its preset's)")
    args = p.parse_args(argv)
    return {str(r): report(r, args.tokenizer) for r in args.run_dirs}


if __name__ == "__main__":
    run_cli(lambda: main() and None)  # its dict of figures (keyed by run dir) is no exit status
