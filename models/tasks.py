"""Task models = the shared Encoder + a head + loss + decode.

``forward(batch) -> (logits, loss)`` (loss is None without labels); ``predict(batch)`` -> label ids.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from data.batching import LABEL_PAD, Batch
from .encoder import Encoder, EncoderConfig
from .heads import ClassificationHead, TaggingHead


class Classifier(nn.Module):
    """Sentence label from the encoder's h_n sentence vector."""

    def __init__(self, encoder: Encoder, num_classes: int):
        super().__init__()
        self.encoder = encoder
        self.head = ClassificationHead(encoder.output_size, num_classes, encoder.cfg.sentence_vector)

    def logits(self, batch: Batch) -> torch.Tensor:
        output, sentence = self.encoder(batch.tokens, batch.lengths)  # (B, T, D*H), (B, D*H) from h_n
        return self.head(output, sentence, batch.lengths)             # (B, C)

    def forward(self, batch: Batch):
        logits = self.logits(batch)
        return logits, None if batch.labels is None else F.cross_entropy(logits, batch.labels)

    @torch.no_grad()
    def predict(self, batch: Batch) -> list[int]:
        """One class id per sentence."""
        return self.logits(batch).argmax(-1).tolist()


class Tagger(nn.Module):
    """Token labels from the encoder's per-token output."""

    def __init__(self, encoder: Encoder, num_tags: int):
        super().__init__()
        self.encoder = encoder
        self.head = TaggingHead(encoder.output_size, num_tags)

    def logits(self, batch: Batch) -> torch.Tensor:
        output, _ = self.encoder(batch.tokens, batch.lengths)     # (B, T, D*H)
        return self.head(output)                                  # (B, T, K)

    def forward(self, batch: Batch):
        logits = self.logits(batch)
        if batch.labels is None:
            return logits, None
        return logits, F.cross_entropy(logits.flatten(0, 1), batch.labels.flatten(), ignore_index=LABEL_PAD)

    @torch.no_grad()
    def predict(self, batch: Batch) -> list[list[int]]:
        """One tag id per real token of each sentence."""
        best = self.logits(batch).argmax(-1).cpu()                # (B, T)
        return [best[i, :n].tolist() for i, n in enumerate(batch.lengths.tolist())]


TASKS = {"classification": Classifier, "tagging": Tagger}


def build_model(task: str, vocab_size: int, num_labels: int, cfg: EncoderConfig) -> nn.Module:
    """Sizes that come from data (vocab, labels) are passed explicitly, next to the encoder's own config."""
    return TASKS[task](Encoder(vocab_size, cfg), num_labels)
