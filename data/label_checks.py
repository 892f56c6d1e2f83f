"""Checks on the labels a model is trained on, once train is read: what would otherwise train silently wrong."""
from __future__ import annotations

from errors import DataFormatError
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


def unseen(dd, vocabs: Vocabs, splits: tuple[str, ...]) -> dict[str, list[str]]:
    """Per label field, the labels of ``splits`` that are not the model's (sorted); each split's are printed as a
    warning: they count as errors in every metric (`Vocabs.unseen`)."""
    found = {}
    for field, vocab in vocabs.labels.items():
        new = set()
        for split in splits:
            values = dd[split][field]
            seen = {y for ys in values for y in ys} if field == "tags" else set(values)
            if here := sorted(seen - set(vocab.itos)):
                print(f"warning: {split} has {field} never seen in training (counted as errors): {here}")
                new.update(here)
        found[field] = sorted(new)
    return found
