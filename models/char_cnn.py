"""Character CNN word representations (Ma & Hovy 2016), a part (README, "Parts"): embed characters, convolve,
max-pool over the word.

For B sentences of up to T words of up to C characters (pad id 0 everywhere):

    chars (B, T, C) -> embedding (B*T, C, E) -> Conv1d, C kept (B*T, F, C) -> max over real chars (B, T, F)

The pad embedding is zero (padding_idx) and equals the convolution's own zero padding, so a word's vector does
not depend on how far the batch pads it; pad positions are set to -inf before the max, and an all-pad word
slot (a padded position of a short sentence) gives zeros.

A batch repeats its words, so the CNN runs once per distinct spelling, found on the host by the loaders (no GPU
wait for torch.unique's size: docs/speed.md) or else here. Under torch.compile / torch.export (shapes must not depend
on the data) it runs on every slot: the same outputs (one dropout mask per distinct word in training).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from data.vocab import PAD_ID


class CharCNN(nn.Module):
    """chars (B, T, C) int64 -> word vectors (B, T, num_filters). Ma & Hovy's sizes: char_dim 30, num_filters 30,
    kernel_size 3 (odd: the window centres on a character), dropout 0.5 (on the character embeddings)."""

    def __init__(self, num_chars: int, char_dim: int = 30, num_filters: int = 50, kernel_size: int = 3,
                 dropout: float = 0.5):
        super().__init__()
        if num_chars < 1:
            raise ValueError("model.char_filters > 0 needs a character vocabulary (num_chars)")
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd (a window centred on each character), got {kernel_size}")
        self.output_size = num_filters
        self.embedding = nn.Embedding(num_chars, char_dim, padding_idx=PAD_ID)
        self.conv = nn.Conv1d(char_dim, num_filters, kernel_size, padding=kernel_size // 2)  # C in, C out
        self.dropout = nn.Dropout(dropout)

    def forward(self, chars: Optional[torch.Tensor], spellings: Optional[tuple[torch.Tensor, torch.Tensor]] = None
                ) -> torch.Tensor:
        """chars (B, T, C), PAD_ID after each word's end and in padded word slots; ``spellings``: (distinct (U, C),
        index (B, T)) = torch.unique(chars as rows) (`Batch.distinct_spellings`), None: found here.
        Returns (B, T, num_filters), zeros where the slot has no characters."""
        if chars is None:
            raise ValueError("this encoder has a char-CNN: the batch needs chars (B, T, C)")
        B, T, C = chars.shape
        flat = chars.reshape(B * T, C)                                          # (B*T, C)
        if torch.compiler.is_compiling():
            return self.words(flat).reshape(B, T, -1)                           # (B, T, F)
        if spellings is None:
            spellings = torch.unique(flat, dim=0, return_inverse=True)          # (U, C), (B*T,) row of each slot
        distinct, index = spellings
        return self.words(distinct)[index.reshape(B * T)].reshape(B, T, -1)     # (B, T, F)

    def words(self, flat: torch.Tensor) -> torch.Tensor:
        """(N, C) character ids, one word per row -> (N, num_filters); zeros for an all-pad row."""
        x = self.dropout(self.embedding(flat))                                  # (N, C, E)
        h = self.conv(x.transpose(1, 2))                                        # (N, F, C)
        real = (flat != PAD_ID).unsqueeze(1)                                    # (N, 1, C)
        pooled = h.masked_fill(~real, float("-inf")).max(dim=2).values          # (N, F), -inf for empty rows
        return torch.where(real.any(dim=2), pooled, pooled.new_zeros(()))       # empty rows -> 0
