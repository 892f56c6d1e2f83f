"""Thin heads on top of the encoder. Which one reads which tensor is the whole lesson."""
from __future__ import annotations

import torch
from torch import nn


class ClassificationHead(nn.Module):
    """One label per sentence, read from ``h_n`` (``vector="h_n"``, the default and the right choice).

    The sentence vector ``cat(h_n[-2], h_n[-1])`` (B, 2H) is the forward direction after the last REAL token
    and the backward direction after the first token: the whole sentence, whatever its padding.
    The other choices exist for the measured ablation in the README:
      output_last  ``output[:, -1]``: the classic bug, padding for every sentence shorter than the longest;
      forward      ``h_n[-2]`` alone (B, H): the forward direction only;
      mean, max    pooling of ``output`` over the real tokens (B, 2H).
    """

    def __init__(self, input_size: int, num_classes: int, vector: str = "h_n"):
        super().__init__()
        self.vector = vector
        self.proj = nn.Linear(input_size // 2 if vector == "forward" else input_size, num_classes)

    def forward(self, output: torch.Tensor, sentence: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """output (B, T, D*H), sentence (B, D*H) from h_n, lengths (B,) -> logits (B, num_classes)."""
        return self.proj(self.sentence_vector(output, sentence, lengths))

    def sentence_vector(self, output, sentence, lengths) -> torch.Tensor:
        if self.vector == "h_n":
            return sentence                                                  # (B, D*H)
        if self.vector == "forward":
            return sentence[:, : sentence.size(1) // 2]                      # (B, H)
        if self.vector == "output_last":
            return output[:, -1]                                             # (B, D*H), zeros if len < T
        real = (torch.arange(output.size(1), device=output.device) < lengths.to(output.device)[:, None])
        real = real.unsqueeze(-1)                                            # (B, T, 1)
        if self.vector == "mean":
            return (output * real).sum(1) / real.sum(1)                     # (B, D*H)
        return output.masked_fill(~real, float("-inf")).amax(1)             # max: (B, D*H)


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
