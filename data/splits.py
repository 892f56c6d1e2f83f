"""Held-out splits with a fixed seed (`SPLIT_SEED`, never the training seed: every run of a config sees the same dev
and test examples); a classifier's are stratified by label without a test file: docs/data.md, "Held-out splits"."""
from __future__ import annotations

from collections import Counter

import datasets
from sklearn.model_selection import train_test_split

from errors import ConfigError, needs_part
from .config import DataConfig, describe, task_of

SPLIT_SEED = 1234


def split_one_file(data: datasets.Dataset, test_fraction: float, dev_fraction: float | None, stratify: bool,
                   source: str) -> dict[str, datasets.Dataset]:
    """{"train", "test"[, "validation"]} from one dataset; round(fraction * n) examples (>= 1) per held-out split."""
    n = len(data)
    sizes = {"test": max(1, round(test_fraction * n))}
    if dev_fraction is not None:
        sizes["validation"] = max(1, round(dev_fraction * n))
    if sum(sizes.values()) >= n:
        raise ConfigError(f"{source}: {n} examples are too few to hold out {sizes} and keep a training split")
    labels = list(data["label"]) if stratify else None
    rest, indices = list(range(n)), {}
    for split, size in sizes.items():
        y = [labels[i] for i in rest] if stratify else None
        try:
            rest, indices[split] = train_test_split(rest, test_size=size, random_state=SPLIT_SEED, stratify=y)
        except ValueError as e:  # a label with one example, or fewer held-out examples than labels
            rare = sorted(label for label, count in Counter(y).items() if count < 2)
            raise ConfigError(f"{source}: cannot hold out a stratified {split} split of {size} of {len(rest)} "
                              f"examples: {e}" + (f" (labels with one example: {rare}; drop them)" if rare else
                                                  " (raise data.test_fraction / data.dev_fraction)")) from None
    out = {"train": data.select(sorted(rest)), **{s: data.select(sorted(i)) for s, i in indices.items()}}
    how = "stratified by label" if stratify else "not stratified"
    print(f"{source}: held out test_fraction {test_fraction}"
          f"{'' if dev_fraction is None else f' and dev_fraction {dev_fraction}'} ({how}, seed {SPLIT_SEED}): "
          + ", ".join(f"{s} {len(d)}" for s, d in out.items()))
    return out


def held_out(cfg: DataConfig, splits: dict) -> dict:
    """``splits`` ({split: Dataset}) with a missing test and dev split held out of train (fractions of data.*)."""
    if "test" not in splits:
        if cfg.test_fraction is None:
            raise ConfigError(f"{describe(cfg)} has no test split: set data.test_file or data.test_fraction")
        dev_fraction = None if "validation" in splits else cfg.dev_fraction
        splits.update(split_one_file(splits.pop("train"), cfg.test_fraction, dev_fraction,
                                     task_of(cfg) == "classification", describe(cfg)))
    elif cfg.test_fraction is not None:
        raise ConfigError(f"{describe(cfg)} has a test split: data.test_fraction is for data without one")
    if cfg.dev_sentences:
        needs_part("data.sentence_split", "data.dev_sentences=true").hold_out_sentences(  # phrase-level train: SST-2
            splits, cfg.dev_fraction, describe(cfg))
    elif "validation" not in splits:
        held = splits["train"].train_test_split(test_size=cfg.dev_fraction, seed=SPLIT_SEED)
        splits["train"], splits["validation"] = held["train"], held["test"]
    return splits
