"""The one tokenizer: what training did to raw text, so that prediction and serving do exactly the same.

Readers split text on whitespace (CoNLL-U files come pre-tokenised); `data.encode.encode_tokens` then lower-cases
tokens for the word vocabulary when ``data.lowercase`` is set (the char-CNN always sees them as written).
`predict.py` calls `tokenize`; `export.py` records these two settings in ``export_meta.json`` for a serving stack
that has no Python code from this repository.
"""
from __future__ import annotations

SPLIT = "whitespace"  # Python's str.split(): runs of Unicode whitespace, no other rule


def normalize(tokens: list[str], lowercase: bool) -> list[str]:
    """Token-level normalisation applied before the vocabulary lookup (str.lower when ``lowercase``)."""
    return [t.lower() for t in tokens] if lowercase else list(tokens)


def tokenize(text: str, lowercase: bool = False) -> list[str]:
    """Raw text -> tokens, as training saw them: whitespace split, then `normalize`. Blank text -> []."""
    return normalize(text.split(), lowercase)
