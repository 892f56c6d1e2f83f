"""A vocabulary: strings <-> ids, built from the training split only, saved as a plain dict."""
from __future__ import annotations

from collections import Counter
from typing import Iterable

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
UNSEEN_LABEL_ID = -1  # `Vocab.encode` of a label not in a label set (numericalize gives it an id of its own)


class Vocab:
    """Token vocabulary with PAD=0 and UNK=1, or (``specials=False``) a closed label set. The last ``frozen`` words
    are pretrained vectors' (``model.vectors_vocab``), their rows never trained (`models.encoder.Encoder`)."""

    def __init__(self, itos: list[str], specials: bool = True, frozen: int = 0):
        self.itos, self.specials, self.frozen = list(itos), specials, frozen
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("vocabulary has duplicate entries")
        if not 0 <= frozen <= len(self.itos) - (2 if specials else 0):
            raise ValueError(f"{frozen} frozen words in a vocabulary of {len(self.itos)}")

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_freq: int = 1, specials: bool = True) -> "Vocab":
        """Most frequent first (ties alphabetical: reproducible), from min_freq on; with specials, a literal
        ``<pad>`` or ``<unk>`` in the text (PTB-style data) is not a word of its own (`encode`: UNK)."""
        counts = Counter(s for seq in sequences for s in seq)
        if specials:
            counts.pop(PAD, None), counts.pop(UNK, None)
        words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
        return cls(([PAD, UNK] if specials else []) + words, specials)

    def with_frozen(self, words: Iterable[str]) -> "Vocab":
        """This vocabulary followed by ``words`` it lacks (in their order), marked frozen."""
        extra = [w for w in dict.fromkeys(words) if w not in self.stoi and w not in (PAD, UNK)]
        return Vocab(self.itos + extra, self.specials, self.frozen + len(extra))

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, seq: Iterable[str]) -> list[int]:
        """Ids; unknown -> UNK_ID (a label set: UNSEEN_LABEL_ID). A literal ``<pad>`` token is UNK, not padding."""
        if not self.specials:
            return [self.stoi.get(s, UNSEEN_LABEL_ID) for s in seq]
        return [UNK_ID if s == PAD else self.stoi.get(s, UNK_ID) for s in seq]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[i] for i in ids]

    def to_dict(self) -> dict:
        """{"itos", "specials"}, and "frozen" when there are frozen words (older checkpoints have none)."""
        return {"itos": self.itos, "specials": self.specials, **({"frozen": self.frozen} if self.frozen else {})}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocab":
        return cls(d["itos"], d["specials"], d.get("frozen", 0))


LABEL_FIELDS = ("label", "tags")  # an example's label fields: one per sentence, one per token


class Vocabs:
    """A run's vocabularies: words, characters (None without the char-CNN), a label Vocab per label field. ``unseen``
    (not saved; set by `prepare`): per field, evaluated labels training never saw, scored as never predicted."""

    def __init__(self, words: Vocab, labels: dict[str, Vocab], chars: Vocab | None = None):
        if not labels or not set(labels) <= set(LABEL_FIELDS):
            raise ValueError(f"label fields must be among {LABEL_FIELDS}, got {sorted(labels)}")
        self.words, self.labels, self.chars = words, dict(labels), chars
        self.unseen: dict[str, list[str]] = {}

    def label_names(self) -> dict[str, list[str]]:
        """The model's labels per field (its outputs, in order)."""
        return {field: vocab.itos for field, vocab in self.labels.items()}

    def scored_names(self) -> dict[str, list[str]]:
        """The labels metrics score, per field: the model's, then the `unseen` ones (ids from len(model's) on)."""
        return {field: vocab.itos + self.unseen.get(field, []) for field, vocab in self.labels.items()}

    @property
    def num_chars(self) -> int:  # 0 without a char-CNN
        return 0 if self.chars is None else len(self.chars)

    def to_dict(self) -> dict:
        return {"words": self.words.to_dict(), "chars": None if self.chars is None else self.chars.to_dict(),
                "labels": {field: vocab.to_dict() for field, vocab in self.labels.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocabs":
        """The inverse of `to_dict` (extra keys, a whole checkpoint's, ignored)."""
        chars = None if d.get("chars") is None else Vocab.from_dict(d["chars"])
        return cls(Vocab.from_dict(d["words"]), {f: Vocab.from_dict(v) for f, v in d["labels"].items()}, chars)
