"""Token labels (POS, NER, slots): the tagging head, which reads the encoder's per-token ``output``, and the task
models that use it: `Tagger`, and `JointModel` (intent from h_n + slots from output, one encoder)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from data.batching import LABEL_PAD, Batch, length_mask
from .encoder import Encoder
from .heads import ClassificationHead


class TaggingHead(nn.Module):
    """One label per token, read from ``output``; optionally a CRF on top (strict IOB2 constraints).

    ``output[:, t]`` (B, 2H) holds the forward state after tokens 0..t and the backward state after tokens
    t..len-1: context from both sides of token t. ``h_n`` has only one vector per sentence, so it cannot tag.

    Args:
        input_size: D*H.
        tag_names: the tag set, in id order (the CRF's constraints are read from the names).
        crf: False: independent softmax per token (cross-entropy, argmax); True: linear-chain CRF (nll, Viterbi)
            where ``I-X`` may only follow ``B-X``/``I-X`` and never starts a sentence.
    """

    def __init__(self, input_size: int, tag_names: list[str], crf: bool = False):
        super().__init__()
        self.proj = nn.Linear(input_size, len(tag_names))
        self.crf = None
        if crf:
            from .crf import CRF, iob2_transition_mask  # a tagger's option: only its runs read models/crf.py
            self.crf = CRF(len(tag_names), *iob2_transition_mask(tag_names))

    def forward(self, output: torch.Tensor) -> torch.Tensor:
        """(B, T, D*H) -> emission scores (B, T, num_tags); positions past each length are ignored downstream."""
        return self.proj(output)

    def loss(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Scalar: the CRF's mean sentence nll, or the mean token cross-entropy. tags (B, T) are -100 at pads."""
        if self.crf is not None:
            return self.crf.nll(emissions, tags, mask)
        return F.cross_entropy(emissions.flatten(0, 1), tags.flatten(), ignore_index=LABEL_PAD)

    def decode(self, emissions: torch.Tensor, lengths: torch.Tensor) -> list[list[int]]:
        """Best tag ids per sentence, each as long as the sentence: Viterbi with a CRF, else argmax per token."""
        if self.crf is not None:
            mask = length_mask(lengths, emissions.size(1), emissions.device)
            return self.crf.viterbi(emissions, mask)                                # (B, T) mask -> B lists
        best = emissions.argmax(-1).cpu()                                           # (B, T)
        return [best[i, :n].tolist() for i, n in enumerate(lengths.tolist())]


class Tagger(nn.Module):
    """Token labels from the encoder's per-token output (softmax or CRF, see `TaggingHead`)."""

    def __init__(self, encoder: Encoder, tag_names: list[str], crf: bool = False):
        super().__init__()
        self.encoder = encoder
        self.head = TaggingHead(encoder.output_size, tag_names, crf)

    def logits(self, batch: Batch) -> torch.Tensor:
        output, _ = self.encoder(batch.tokens, batch.lengths, batch.chars, batch.distinct_spellings)  # (B, T, D*H)
        return self.head(output)                                               # (B, T, K)

    def forward(self, batch: Batch):
        logits = self.logits(batch)
        return logits, None if batch.tags is None else self.head.loss(logits, batch.tags, batch.mask)

    @torch.no_grad()
    def predict(self, batch: Batch) -> dict[str, list]:
        return {"tags": self.head.decode(self.logits(batch), batch.lengths)}


class JointModel(nn.Module):
    """Intent + slots from ONE encoder: the intent head reads h_n, the slot head reads output.

    loss = cross-entropy(intent) + slot_weight * slot loss (token cross-entropy, or CRF nll).
    """

    def __init__(self, encoder: Encoder, intent_head: ClassificationHead, tag_names: list[str], crf: bool = False,
                 slot_weight: float = 1.0):
        super().__init__()
        self.encoder, self.intent_head = encoder, intent_head
        self.slot_head = TaggingHead(encoder.output_size, tag_names, crf)
        self.slot_weight = slot_weight

    def logits(self, batch: Batch) -> dict[str, torch.Tensor]:
        # output (B, T, D*H), sentence (B, D*H)
        output, sentence = self.encoder(batch.tokens, batch.lengths, batch.chars, batch.distinct_spellings)
        intent = self.intent_head(output, sentence, batch.lengths)                   # (B, C)
        return {"label": intent, "tags": self.slot_head(output)}                     # (B, C), (B, T, K)

    def forward(self, batch: Batch):
        logits = self.logits(batch)
        if batch.labels is None or batch.tags is None:
            return logits, None
        intent_loss = self.intent_head.loss(logits["label"], batch.labels)
        return logits, intent_loss + self.slot_weight * self.slot_head.loss(logits["tags"], batch.tags, batch.mask)

    @torch.no_grad()
    def predict(self, batch: Batch) -> dict[str, list]:
        logits = self.logits(batch)
        intent = self.intent_head.decode(logits["label"])                            # label ids, probabilities
        return {**intent, "tags": self.slot_head.decode(logits["tags"], batch.lengths)}
