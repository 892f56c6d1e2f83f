"""Tokenizers for raw text, by name (``data.tokenizer``): a character table (typographic quotes, dashes, odd spaces)
then a split (``str.split``, or NLTK's Penn Treebank rules: ``What's`` -> ``What 's``), the same in prediction and
serving (export.py records both steps). The names: docs/data.md, "Text as people type it"."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

SPLIT = "whitespace"  # Python's str.split(): runs of Unicode whitespace, no other rule
DEFAULT = "ptb"       # a user's raw text, when neither the config nor a preset names a tokenizer

_SPACES = {c: " " for c in "\u00a0\u2007\u2009\u200a\u202f\u3000"} | {"\u200b": "", "\ufeff": ""}
_QUOTES = ({c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4"}
           | {c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
# ptb: also what PTB-style files write for dashes and the ellipsis (not 1:1, so offsets into the text shift)
_PTB = _SPACES | _QUOTES | {"\u2013": "-", "\u2014": " -- ", "\u2015": " -- ", "\u2026": "..."}
_STRAIGHT = {c: v for c, v in (_SPACES | _QUOTES).items() if len(v) == 1}  # 1:1: offsets into the text hold

TOKENIZERS = {  # name -> (normalisation table, split, lower-case, quotes as the tokenizer writes them)
    "whitespace": ({}, SPLIT, False, "ptb"),
    "ptb": (_PTB, "nltk", False, "ptb"),
    "ptb_lower": (_PTB, "nltk", True, "ptb"),
    "ptb_straight": (_STRAIGHT, "nltk", False, "straight"),
}
_TABLES = {name: str.maketrans(table) for name, (table, *_) in TOKENIZERS.items()}


def check(name: str) -> str:
    if name not in TOKENIZERS:
        raise ValueError(f"data.tokenizer must be one of {' | '.join(TOKENIZERS)}, got {name!r}")
    return name


@lru_cache(maxsize=None)
def _nltk() -> Callable[[str], list[str]]:
    from nltk.tokenize.destructive import NLTKWordTokenizer  # imported on first use: ~1 s
    return NLTKWordTokenizer().tokenize


def split(text: str, tokenizer: str = SPLIT) -> list[str]:
    """Raw text -> tokens with the named tokenizer (normalise, split, maybe lower-case). Blank text -> []."""
    _, how, lower, quotes = TOKENIZERS[check(tokenizer)]
    if how == SPLIT:
        return text.split()
    tokens = _nltk()(text.translate(_TABLES[tokenizer]))
    if quotes == "straight":
        tokens = ['"' if t in ("``", "''") else t for t in tokens]
    return [t.lower() for t in tokens] if lower else tokens


def normalize(tokens: list[str], lowercase: bool) -> list[str]:
    """The tokens as the vocabulary looks them up (lower-cased with ``lowercase``)."""
    return [t.lower() for t in tokens] if lowercase else list(tokens)


def tokenize(text: str, lowercase: bool = False, tokenizer: str = SPLIT) -> list[str]:
    """Raw text -> tokens, as training saw them: `split` with the run's tokenizer, then `normalize`."""
    return normalize(split(text, tokenizer), lowercase)
