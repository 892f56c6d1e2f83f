"""The classification head: one label per sentence, read from ``h_n`` (a token's label reads ``output``:
models/tagging.py). Which tensor a head reads is the whole lesson."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from data.batching import length_mask

SENTENCE_VECTORS = ("h_n", "output_last", "forward", "mean", "max")  # model.sentence_vector: what the head reads


class ClassificationHead(nn.Module):
    """One label per sentence from ``vector``: ``h_n``, the default and the right choice, is ``cat(h_n[-2],
    h_n[-1])`` (B, 2H), the forward direction after the last REAL token and the backward one after the first token:
    the whole sentence, whatever its padding. The other `SENTENCE_VECTORS` are for the measured ablation
    (docs/results.md). ``class_weights`` (num_classes,): a buffer, so a loaded checkpoint keeps its loss weights."""

    def __init__(self, input_size: int, num_classes: int, vector: str = "h_n", label_smoothing: float = 0.0,
                 class_weights: torch.Tensor | None = None):
        super().__init__()
        self.vector, self.label_smoothing = vector, label_smoothing
        self.proj = nn.Linear(input_size // 2 if vector == "forward" else input_size, num_classes)
        if class_weights is not None and class_weights.shape != (num_classes,):
            raise ValueError(f"class_weights must have shape ({num_classes},), got {tuple(class_weights.shape)}")
        self.register_buffer("class_weights", class_weights)  # None: not in the state dict

    def forward(self, output: torch.Tensor, sentence: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """output (B, T, D*H), sentence (B, D*H) from h_n, lengths (B,) -> logits (B, num_classes)."""
        return self.proj(self.sentence_vector(output, sentence, lengths))

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, labels, weight=self.class_weights, label_smoothing=self.label_smoothing)

    def decode(self, logits: torch.Tensor) -> dict[str, list]:
        """(B, C) -> {"label": argmax ids, "probability": their softmax probabilities}."""
        probability, best = logits.softmax(-1).max(-1)                # (B,), (B,)
        return {"label": best.tolist(), "probability": probability.tolist()}

    def sentence_vector(self, output, sentence, lengths) -> torch.Tensor:
        if self.vector == "h_n":
            return sentence                                                  # (B, D*H)
        if self.vector == "forward":
            return sentence[:, : sentence.size(1) // 2]                      # (B, H): h_n[-2], forward only
        if self.vector == "output_last":
            return output[:, -1]            # (B, D*H): the classic bug, zeros for every sentence shorter than T
        real = length_mask(lengths, output.size(1), output.device).unsqueeze(-1)  # (B, T, 1): pool real tokens
        if self.vector == "mean":
            return (output * real).sum(1) / real.sum(1)                     # (B, D*H)
        return output.masked_fill(~real, float("-inf")).amax(1)             # max: (B, D*H)


def balanced_class_weights(label_ids: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(N,) training label ids -> (num_classes,) weights n / (num_classes * count_c), as scikit-learn's
    ``class_weight="balanced"``; a class with no example gets the weight of a class seen once."""
    counts = torch.bincount(label_ids, minlength=num_classes).clamp(min=1).double()    # (C,)
    return (label_ids.numel() / (num_classes * counts)).float()
