"""A dev split of whole sentences out of phrase-level training data (``data.dev_sentences``).

SST-2's train.tsv holds every phrase of its ~6.9k training sentences (67k rows): a dev split of random rows is
mostly short phrases (~94% accuracy, against ~84% on whole sentences) whose sentences stay in train. Here the
sentences are the *roots*, the phrases that no other phrase contains (as token spans); ``fraction`` of them
(fixed seed) are the dev split, and train keeps every other root and every phrase found inside some training root,
so no phrase that only a dev sentence has is trained on.
"""
from __future__ import annotations

import datasets
import numpy as np

from errors import ConfigError
from .splits import SPLIT_SEED


def _spans(tokens: list[str]) -> set[str]:
    """Every contiguous token span of a phrase, as text (n(n+1)/2 of them)."""
    return {" ".join(tokens[a:b]) for a in range(len(tokens)) for b in range(a + 1, len(tokens) + 1)}


def roots(phrases: list[list[str]]) -> list[int]:
    """Indices of the phrases that are no span of another phrase (the sentences), longest first."""
    inside: set[str] = set()
    found = []
    for i in sorted(range(len(phrases)), key=lambda i: (-len(phrases[i]), i)):
        if " ".join(phrases[i]) not in inside:
            found.append(i)
            inside |= _spans(phrases[i])
    return found


def hold_out_sentences(splits: dict[str, datasets.Dataset], fraction: float, data: str) -> None:
    """Sets ``splits``' validation to ``fraction`` of train's sentences (`roots`), its train to train less them and
    the phrases that occur only inside them; prints the sizes. ``data`` (`describe`'s) may have no dev split."""
    if "validation" in splits:
        raise ConfigError(f"data.dev_sentences holds dev out of train: {data} has a dev split")
    train = splits["train"]
    phrases = list(train["tokens"])
    sentences = roots(phrases)
    picked = np.random.RandomState(SPLIT_SEED).permutation(len(sentences))[:max(1, round(fraction * len(sentences)))]
    dev = sorted(sentences[k] for k in picked)
    in_dev, in_train = set(), set()
    for i in dev:
        in_dev |= _spans(phrases[i])
    for i in set(sentences) - set(dev):
        in_train |= _spans(phrases[i])
    keep = [i for i, p in enumerate(phrases) if (text := " ".join(p)) in in_train or text not in in_dev]
    print(f"data.dev_sentences: {len(sentences)} sentences (phrases inside no other) of {len(phrases)} phrases; "
          f"dev {len(dev)} sentences (seed {SPLIT_SEED}), train {len(keep)} phrases")
    splits["train"], splits["validation"] = train.select(keep), train.select(dev)
