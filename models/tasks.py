"""Task models = the shared Encoder + head(s) + loss + decode, each with the same three methods:

    logits(batch)  -> scores: (B, C) classifier, (B, T, K) tagger, {"label": (B, C), "tags": (B, T, K)} joint
    forward(batch) -> (logits, loss); loss is None when the batch has no labels
    predict(batch) -> {"label": [id, ...], "probability": [p, ...]} and/or {"tags": [[id, ...], ...]}

``predict`` has one entry per label field (`data.batching.Batch.gold`'s layout): evaluation, metrics and prediction
look at which fields are there, never at which model made them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from data.batching import Batch
from errors import check_ranges
from .encoder import Encoder, EncoderConfig
from .heads import SENTENCE_VECTORS, ClassificationHead


CLASS_WEIGHTS = ("none", "balanced")


@dataclass
class ModelConfig(EncoderConfig):
    """The ``model`` config section: the encoder's settings plus the heads' and losses'."""
    sentence_vector: str = "h_n"  # what a classification head reads: h_n | output_last | forward | mean | max
    crf: bool = False           # taggers: a CRF output layer (strict IOB2 constraints, Viterbi) instead of softmax
    slot_weight: float = 1.0    # joint: loss = intent cross-entropy + slot_weight * slot loss
    label_smoothing: float = 0.0  # sentence labels (classifier, joint intent): cross-entropy against
                                  # (1 - x) * one-hot + x / classes; 0: plain cross-entropy
    class_weights: str = "none"  # sentence labels: none | balanced (loss weights n / (classes * count) from the
                                 # training labels, saved with the model)

    def __post_init__(self):
        super().__post_init__()
        if self.sentence_vector not in SENTENCE_VECTORS:
            raise ValueError(f"model.sentence_vector must be one of {SENTENCE_VECTORS}, got {self.sentence_vector!r}")
        check_ranges("model", self, {"slot_weight": ">= 0", "label_smoothing": "[0, 1)"})
        if self.class_weights not in CLASS_WEIGHTS:
            raise ValueError(f"model.class_weights must be one of {', '.join(CLASS_WEIGHTS)}, "
                             f"got {self.class_weights!r}")


class Classifier(nn.Module):
    """Sentence label from the encoder's h_n sentence vector."""

    def __init__(self, encoder: Encoder, head: ClassificationHead):
        super().__init__()
        self.encoder, self.head = encoder, head

    def logits(self, batch: Batch) -> torch.Tensor:
        # output (B, T, D*H), sentence (B, D*H) from h_n
        output, sentence = self.encoder(batch.tokens, batch.lengths, batch.chars, batch.distinct_spellings)
        return self.head(output, sentence, batch.lengths)                           # (B, C)

    def forward(self, batch: Batch):
        logits = self.logits(batch)
        return logits, None if batch.labels is None else self.head.loss(logits, batch.labels)

    @torch.no_grad()
    def predict(self, batch: Batch) -> dict[str, list]:
        return self.head.decode(self.logits(batch))


def build_model(task: str, vocab_size: int, label_names: dict[str, list[str]], cfg: EncoderConfig,
                num_chars: int = 0, class_weights: torch.Tensor | None = None, frozen_words: int = 0) -> nn.Module:
    """The ``task``'s model (tagging | classification | joint) for ``cfg`` (a plain EncoderConfig gets ModelConfig's
    defaults) and the data's sizes. ``class_weights``: with ``cfg.class_weights="balanced"`` the (C,) loss weights
    (`heads.balanced_class_weights`); None there: ones, for a checkpoint's ``load_state_dict`` to fill."""
    if task not in ("tagging", "classification", "joint"):
        raise ValueError(f"unknown task {task!r}; known: tagging, classification, joint")
    cfg = cfg if isinstance(cfg, ModelConfig) else ModelConfig(**asdict(cfg))
    encoder = Encoder(vocab_size, cfg, num_chars, frozen_words)
    if task == "tagging":
        from .tagging import Tagger  # only taggers read models/tagging.py
        return Tagger(encoder, label_names["tags"], cfg.crf)
    if cfg.class_weights == "none":
        class_weights = None
    elif class_weights is None:
        class_weights = torch.ones(len(label_names["label"]))
    head = ClassificationHead(encoder.output_size, len(label_names["label"]), cfg.sentence_vector,
                              cfg.label_smoothing, class_weights)
    if task == "classification":
        return Classifier(encoder, head)
    from .tagging import JointModel
    return JointModel(encoder, head, label_names["tags"], cfg.crf, cfg.slot_weight)
