"""A public proxy for a small NER set with rare entities: CoNLL-2003 cut to its first N training sentences, every
entity type but one replaced by O. The recipe test of the training loop (docs/training.md):

    python -m scripts.rare_entity_proxy --out runs/proxy-misc [--keep MISC] [--train-sentences 3000]
    python train.py configs/ner_conll2003.yaml $(python -m scripts.rare_entity_proxy --out runs/proxy-misc --overrides)

Writes OUT/eng.train, eng.testa, eng.testb in the original column format (IOB1, as the files come), dev and test
whole; prints the kept entities' share of training tokens. ``--overrides`` prints only the data.* overrides that
train on OUT with the columns reader.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from data.named import data_root
from errors import run_cli
from data.config import DataConfig

FILES = {"eng.train": True, "eng.testa": False, "eng.testb": False}  # file -> cut to --train-sentences


def rewrite(src: Path, dst: Path, keep: str, max_sentences: int | None) -> tuple[int, int, int]:
    """Copy a CoNLL-2003 file keeping only `keep` entities (others -> O). Returns (sentences, tokens, kept tokens)."""
    sentences = tokens = kept = 0
    out, in_sentence = [], False
    for line in src.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields:
            sentences, in_sentence = sentences + in_sentence, False
            out.append("")
            if max_sentences and sentences >= max_sentences:
                break
            continue
        if fields[0] != "-DOCSTART-":
            tokens, in_sentence = tokens + 1, True
            if fields[-1][2:] == keep:
                kept += 1
            else:
                fields[-1] = "O"
        out.append(" ".join(fields))
    dst.write_text("\n".join(out) + "\n", encoding="utf-8")
    return sentences, tokens, kept


def overrides(out: Path) -> list[str]:
    return ["data.name=proxy", "data.format=columns", f"data.root={out.resolve()}", "data.train_file=eng.train",
            "data.validation_file=eng.testa", "data.test_file=eng.testb", "data.tag_scheme=iob1"]


def main(argv=None) -> list[str]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--keep", default="MISC", help="the one entity type kept (default MISC, the rarest)")
    p.add_argument("--train-sentences", type=int, default=3000)
    p.add_argument("--overrides", action="store_true", help="print only the data.* overrides for train.py")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    src = data_root(DataConfig(name="conll2003")) / "conll2003"
    for name, cut in FILES.items():
        n, tokens, kept = rewrite(src / name, args.out / name, args.keep, args.train_sentences if cut else None)
        if not args.overrides:
            print(f"{args.out / name}: {n} sentences, {tokens} tokens, {args.keep} {kept} ({100 * kept / tokens:.2f}%)")
    print(" ".join(overrides(args.out)))
    return overrides(args.out)


if __name__ == "__main__":
    run_cli(main)
