"""A vocabulary: strings <-> ids, built from the training split only, saved as a plain dict."""
from __future__ import annotations

from collections import Counter
from typing import Iterable

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
UNSEEN_LABEL_ID = -1  # a dev/test label never seen in training: the model can never predict it, so it counts as an error


class Vocab:
    """Token vocabulary with PAD=0 and UNK=1, or (``specials=False``) a closed label set."""

    def __init__(self, itos: list[str], specials: bool = True):
        self.itos = list(itos)
        self.specials = specials
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("vocabulary has duplicate entries")

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_freq: int = 1, specials: bool = True) -> "Vocab":
        """Most frequent first (ties alphabetical, so the order is reproducible); drop words below min_freq."""
        counts = Counter(s for seq in sequences for s in seq)
        words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
        return cls(([PAD, UNK] if specials else []) + words, specials)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, seq: Iterable[str]) -> list[int]:
        return [self.stoi.get(s, UNK_ID if self.specials else UNSEEN_LABEL_ID) for s in seq]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[i] for i in ids]

    def to_dict(self) -> dict:
        return {"itos": self.itos, "specials": self.specials}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocab":
        return cls(d["itos"], d["specials"])
