"""Thin heads on top of the encoder. Which one reads which tensor is the whole lesson."""
from __future__ import annotations

import torch
from torch import nn


class ClassificationHead(nn.Module):
    """One label per sentence, read from ``h_n``.

    The sentence vector ``cat(h_n[-2], h_n[-1])`` (B, 2H) is the forward direction after the last REAL token
    and the backward direction after the first token: the whole sentence, whatever its padding.
    ``output[:, -1]`` would read padding for every sentence shorter than the batch's longest.
    """

    def __init__(self, input_size: int, num_classes: int):
        super().__init__()
        self.proj = nn.Linear(input_size, num_classes)

    def forward(self, sentence: torch.Tensor) -> torch.Tensor:
        """(B, D*H) -> logits (B, num_classes)."""
        return self.proj(sentence)


class TaggingHead(nn.Module):
    """One label per token, read from ``output``.

    ``output[:, t]`` (B, 2H) holds the forward state after tokens 0..t and the backward state after tokens
    t..len-1: context from both sides of token t. ``h_n`` has only one vector per sentence, so it cannot tag.
    """

    def __init__(self, input_size: int, num_tags: int):
        super().__init__()
        self.proj = nn.Linear(input_size, num_tags)

    def forward(self, output: torch.Tensor) -> torch.Tensor:
        """(B, T, D*H) -> logits (B, T, num_tags); positions past each length are ignored by the loss."""
        return self.proj(output)
