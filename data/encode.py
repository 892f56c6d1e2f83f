"""Strings -> ids: vocabularies from the training split, and the numericalised columns a batch is made of.

Columns added to every split: ``ids`` (word ids), ``length``, ``chars`` (one list of character ids per word, only
with a character vocabulary), ``tag_ids`` (one per token) and/or ``label_ids`` (one per sentence; a label never seen
in training gets an id after the model's: ``Vocabs.unseen``).
"""
from __future__ import annotations

from typing import Sequence

import datasets

from .text import normalize
from .vocab import LABEL_FIELDS, Vocab, Vocabs


def build_vocabs(train: datasets.Dataset, min_freq: int, chars: bool = False, lowercase: bool = False,
                 frozen_words: Sequence[str] = ()) -> Vocabs:
    """Words (PAD, UNK, then words seen >= min_freq times, lower-cased if asked, then ``frozen_words`` not among
    them: pretrained vectors' words, `Vocab.with_frozen`), characters (of the words as written) if asked, one label
    set per label field present in the data; all from train only (but the frozen words)."""
    tokens = train["tokens"]
    words = Vocab.build((normalize(t, lowercase) for t in tokens), min_freq=min_freq)
    if frozen_words:
        words = words.with_frozen(frozen_words)
    labels = {}
    for field in LABEL_FIELDS:
        if field in train.column_names:
            values = train[field]
            labels[field] = Vocab.build(values if field == "tags" else [[y] for y in values], specials=False)
    if chars:
        from .chars import build_char_vocab  # the char-CNN's only
    return Vocabs(words, labels, build_char_vocab(tokens) if chars else None)


def encode_tokens(tokens: list[str], vocabs: Vocabs, lowercase: bool = False) -> dict:
    """A sentence's tokens as written -> the model's inputs: {"ids", "length"} and, with a char vocabulary,
    "chars". ``lowercase`` (data.lowercase) applies to the word lookup only: the char-CNN sees the spelling."""
    out = {"ids": vocabs.words.encode(normalize(tokens, lowercase)), "length": len(tokens)}
    if vocabs.chars is not None:
        from .chars import encode_chars
        out["chars"] = encode_chars(vocabs.chars, tokens)
    return out


def numericalize(dd: datasets.DatasetDict, vocabs: Vocabs, lowercase: bool = False) -> datasets.DatasetDict:
    """Add the input columns (`encode_tokens`) and one id column per label field to every split (labels by
    `Vocabs.scored_names`: an unseen one has an id past the model's)."""
    scored = {field: Vocab(names, specials=False) for field, names in vocabs.scored_names().items()}

    def encode(ex):
        out = encode_tokens(ex["tokens"], vocabs, lowercase)
        if "tags" in scored:
            out["tag_ids"] = scored["tags"].encode(ex["tags"])
        if "label" in scored:
            out["label_ids"] = scored["label"].encode([ex["label"]])[0]
        return out

    return dd.map(encode, desc="numericalize")
