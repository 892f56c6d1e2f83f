"""Characters for `models.char_cnn` (a part: README, "Parts"): a character vocabulary from the training words, each
word's character ids, and their padding into a batch's (B, T, C) with its distinct spellings (`add_chars`, which
`data.batching.collate` calls)."""
from __future__ import annotations

from typing import Iterable

import torch

from .batching import MAX_WORD_LEN, length_mask, pad
from .vocab import PAD_ID, Vocab


def build_char_vocab(sentences: Iterable[Iterable[str]], min_freq: int = 1) -> Vocab:
    """Training sentences (lists of words) -> a Vocab over their characters, PAD=0 and UNK=1 included."""
    return Vocab.build((word for sentence in sentences for word in sentence), min_freq=min_freq)  # a word: its chars


def encode_chars(vocab: Vocab, words: Iterable[str]) -> list[list[int]]:
    """One sentence's words -> one list of character ids per word (unknown characters -> UNK_ID)."""
    return [vocab.encode(word) for word in words]


def pad_chars(batch: list[list[list[int]]], max_word_len: int = MAX_WORD_LEN) -> torch.Tensor:
    """B sentences of words of char ids -> (B, T, C) int64, PAD_ID-padded; C: the batch's longest word, at most
    ``max_word_len`` (longer words keep their first characters). Two mask scatters, no loop over words (docs/speed.md).
    """
    words = [word[:max_word_len] for sentence in batch for word in sentence]                     # every word, capped
    flat = pad(words, torch.tensor([len(w) for w in words]), PAD_ID)                               # (words, C)
    real = length_mask(torch.tensor([len(s) for s in batch]))                                      # (B, T)
    chars = torch.full((*real.shape, flat.shape[1]), PAD_ID, dtype=torch.int64)                    # (B, T, C)
    chars[real] = flat
    return chars


def spellings(chars: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T, C) -> torch.unique's distinct rows (U, C), sorted, and each slot's row (B, T): the char-CNN runs once
    per distinct word (an all-pad row stands for the padded slots)."""
    B, T, C = chars.shape
    distinct, index = torch.unique(chars.reshape(B * T, C), dim=0, return_inverse=True)     # (U, C), (B*T,)
    return distinct, index.reshape(B, T)


def add_chars(batch, words: list[list[list[int]]], find_spellings: bool = True) -> None:
    """Sets ``batch.chars`` (B, T, C) from each sentence's words of char ids, and its distinct `spellings`: found
    here, on the host, not in the model's step (``find_spellings=False``: by the caller, e.g. for a whole split)."""
    batch.chars = pad_chars(words)                                                          # (B, T, C)
    if find_spellings:
        batch.spellings, batch.spelling_ids = spellings(batch.chars)                        # (U, C), (B, T)
