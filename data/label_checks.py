"""Checks on the labels a model is trained on, once train is read: what would otherwise train silently wrong."""
from __future__ import annotations

from .readers import DataFormatError
from .vocab import Vocabs

WHAT = {"label": "label", "tags": "tag"}


def check_vocabulary(vocabs: Vocabs, source: str, min_freq: int) -> None:
    """Train must leave some word in the vocabulary: with only <pad> and <unk>, every sentence reads the same."""
    if len(vocabs.words) <= 2:
        raise DataFormatError(source, None, f"no word of train occurs data.min_freq={min_freq} times: every token "
                                            f"would be <unk>")


def check_label_sets(vocabs: Vocabs, source: str, limit: int | None = None) -> None:
    """Every label field of train needs at least two values: with one, training reaches accuracy 1.0 and learns
    nothing. ``source`` names train (its path), ``limit`` the data.limit that may have cut it."""
    for field, vocab in vocabs.labels.items():
        if len(vocab) < 2:
            cut = f" in its first {limit} examples (data.limit)" if limit is not None else ""
            raise DataFormatError(source, None, f"train has only one {WHAT[field]}{cut}, {vocab.itos}: a model "
                                                f"needs at least two classes to learn from")
