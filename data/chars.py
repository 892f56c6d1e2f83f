"""Characters: a character vocabulary from the training words, and each word's character ids for `models.char_cnn`
(padded into (B, T, C) by `data.batching.pad_chars`)."""
from __future__ import annotations

from typing import Iterable

from .vocab import Vocab


def build_char_vocab(sentences: Iterable[Iterable[str]], min_freq: int = 1) -> Vocab:
    """Training sentences (lists of words) -> a Vocab over their characters, PAD=0 and UNK=1 included."""
    return Vocab.build((word for sentence in sentences for word in sentence), min_freq=min_freq)  # a word: its chars


def encode_chars(vocab: Vocab, words: Iterable[str]) -> list[list[int]]:
    """One sentence's words -> one list of character ids per word (unknown characters -> UNK_ID)."""
    return [vocab.encode(word) for word in words]
