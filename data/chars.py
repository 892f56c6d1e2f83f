"""Characters: a character vocabulary from the training words, and (B, T, C) padding for `models.char_cnn`."""
from __future__ import annotations

from typing import Iterable

import torch

from .vocab import PAD_ID, Vocab


def build_char_vocab(sentences: Iterable[Iterable[str]], min_freq: int = 1) -> Vocab:
    """Training sentences (lists of words) -> a Vocab over their characters, PAD=0 and UNK=1 included."""
    return Vocab.build((word for sentence in sentences for word in sentence), min_freq=min_freq)  # a word: its chars


def encode_chars(vocab: Vocab, words: Iterable[str]) -> list[list[int]]:
    """One sentence's words -> one list of character ids per word (unknown characters -> UNK_ID)."""
    return [vocab.encode(word) for word in words]


def pad_chars(batch: list[list[list[int]]], max_word_len: int = 20) -> torch.Tensor:
    """B sentences, each a list of words, each a list of char ids -> (B, T, C) int64 padded with PAD_ID.

    T is the longest sentence, C the longest word in the batch capped at ``max_word_len``; longer words keep
    their first ``max_word_len`` characters.
    """
    T = max(len(sentence) for sentence in batch)
    C = min(max((len(word) for sentence in batch for word in sentence), default=1), max_word_len)
    chars = torch.full((len(batch), T, max(C, 1)), PAD_ID, dtype=torch.int64)   # (B, T, C)
    for i, sentence in enumerate(batch):
        for j, word in enumerate(sentence):
            word = word[:C]
            chars[i, j, : len(word)] = torch.as_tensor(word, dtype=torch.int64)
    return chars
