"""Which tokenizer library reproduces the datasets' own tokenisation (docs/data.md, Text as people type it):

    pip install segtok==1.5.11 spacy==3.8.18 tokenizers==0.23.3   # the candidates not in requirements.txt
    python -m benchmarks.tokenizers

Agreement: the share of test sentences whose tokens equal the file's. TREC_10 and SST-2 (GLUE dev) from the file's
tokens written back as text by Moses' detokenizer (`scripts.typed.as_typed`); UD EWT test from each
sentence's ``# text`` line, quotes compared as ``"``. Speed: TREC_10 as typed, ten times over, one thread.
A candidate whose library is not installed is skipped with a note.
"""
from __future__ import annotations

import time
from pathlib import Path

from errors import run_cli
from data.datasets import load_splits, split_paths
from data.config import DataConfig
from scripts.typed import PTB_QUOTES, as_typed, ud_sentences


def candidates() -> dict:
    """name -> text -> tokens, for the libraries that import."""
    found = {"whitespace": str.split}
    try:
        from nltk.tokenize import NLTKWordTokenizer, TreebankWordTokenizer
        found["nltk NLTKWordTokenizer"] = NLTKWordTokenizer().tokenize
        found["nltk TreebankWordTokenizer"] = TreebankWordTokenizer().tokenize
    except ImportError:
        print("skipped: nltk")
    try:
        from sacremoses import MosesTokenizer
        moses = MosesTokenizer(lang="en")
        found["sacremoses MosesTokenizer"] = lambda s: moses.tokenize(s, escape=False)
    except ImportError:
        print("skipped: sacremoses")
    try:
        from segtok.tokenizer import split_contractions, word_tokenizer
        found["segtok"] = lambda s: split_contractions(word_tokenizer(s))
    except ImportError:
        print("skipped: segtok")
    try:
        import spacy
        blank = spacy.blank("en").tokenizer
        found["spacy blank en"] = lambda s: [t.text for t in blank(s) if not t.is_space]
    except ImportError:
        print("skipped: spacy")
    try:
        from tokenizers import pre_tokenizers
        for name in ("BertPreTokenizer", "Whitespace"):
            pre = getattr(pre_tokenizers, name)()
            found[f"tokenizers {name}"] = lambda s, pre=pre: [w for w, _ in pre.pre_tokenize_str(s)]
    except ImportError:
        print("skipped: tokenizers")
    return found


def main(repeats: int = 10) -> dict:
    """Print the markdown table; returns {name: [TREC, SST-2, UD EWT agreement, sentences/s]}."""
    files = {name: load_splits(DataConfig(name=name))["test"]["tokens"] for name in ("trec", "sst2")}
    typed = {name: [as_typed(t) for t in tokens] for name, tokens in files.items()}
    ud = ud_sentences(Path(split_paths(DataConfig(name="ud_en_ewt"))["test"]))
    rows = {}
    print("| tokenizer | TREC | SST-2 | UD EWT | sentences/s |\n|---|---|---|---|---|")
    for name, tokenize in candidates().items():
        share = [sum(tokenize(x) == t for x, t in zip(typed[d], files[d])) / len(files[d]) for d in files]
        straight = (['"' if t in PTB_QUOTES else t for t in tokenize(s["text"])] for s in ud)
        share.append(sum(t == s["words"] for t, s in zip(straight, ud)) / len(ud))
        start = time.perf_counter()
        for x in typed["trec"] * repeats:
            tokenize(x)
        speed = repeats * len(typed["trec"]) / (time.perf_counter() - start)
        rows[name] = share + [speed]
        print(f"| {name} | " + " | ".join(f"{100 * v:.1f}" for v in share) + f" | {speed:,.0f} |")
    return rows


if __name__ == "__main__":
    run_cli(main)
