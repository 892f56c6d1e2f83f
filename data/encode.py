"""Strings -> ids: vocabularies from the training split (and the checks on them), and the columns a batch is made
of: ``ids``, ``length``, ``chars`` (with a character vocabulary), ``tag_ids`` and/or ``label_ids`` (a label never
seen in training gets an id after the model's: ``Vocabs.unseen``).
"""
from __future__ import annotations

from typing import Sequence

import datasets

from errors import DataFormatError
from .text import normalize
from .vocab import LABEL_FIELDS, Vocab, Vocabs


def build_vocabs(train: datasets.Dataset, min_freq: int, chars: bool = False, lowercase: bool = False,
                 frozen_words: Sequence[str] = ()) -> Vocabs:
    """From train: words (then pretrained vectors' ``frozen_words``), characters if asked, a label set per field."""
    tokens = train["tokens"]
    words = Vocab.build((normalize(t, lowercase) for t in tokens), min_freq=min_freq).with_frozen(frozen_words)
    labels = {field: Vocab.build(train[field] if field == "tags" else [[y] for y in train[field]], specials=False)
              for field in LABEL_FIELDS if field in train.column_names}
    if chars:
        from .chars import build_char_vocab  # the char-CNN's only
    return Vocabs(words, labels, build_char_vocab(tokens) if chars else None)


def check_train(vocabs: Vocabs, source: str, min_freq: int, limit: int | None = None) -> None:
    """What would train silently wrong: a label field with one value (accuracy 1.0, nothing learnt), or only <pad>
    and <unk> (every sentence reads the same). ``source`` names train, ``limit`` the data.limit that cut it."""
    for field, vocab in vocabs.labels.items():
        if len(vocab) < 2:
            cut = f" in its first {limit} examples (data.limit)" if limit is not None else ""
            raise DataFormatError(source, None, f"train has only one {field.removesuffix('s')}{cut}, {vocab.itos}: "
                                                f"a model needs at least two classes to learn from")
    if len(vocabs.words) <= 2:
        raise DataFormatError(source, None, f"no word of train occurs data.min_freq={min_freq} times: every token "
                                            f"would be <unk>")


def unseen(dd, vocabs: Vocabs, splits: tuple[str, ...]) -> dict[str, list[str]]:
    """Per label field, the labels of ``splits`` the model lacks, printed per split: errors in every metric."""
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


def encode_tokens(tokens: list[str], vocabs: Vocabs, lowercase: bool = False) -> dict:
    """Tokens as written -> {"ids", "length"[, "chars"]}; ``lowercase``: the word lookup only (chars: as written)."""
    out = {"ids": vocabs.words.encode(normalize(tokens, lowercase)), "length": len(tokens)}
    if vocabs.chars is not None:
        from .chars import encode_chars
        out["chars"] = encode_chars(vocabs.chars, tokens)
    return out


def numericalize(dd: datasets.DatasetDict, vocabs: Vocabs, lowercase: bool = False) -> datasets.DatasetDict:
    """Every split with its input columns (`encode_tokens`) and label ids (`Vocabs.scored_names`: unseen last)."""
    scored = {field: Vocab(names, specials=False) for field, names in vocabs.scored_names().items()}

    def encode(ex):
        out = encode_tokens(ex["tokens"], vocabs, lowercase)
        if "tags" in scored:
            out["tag_ids"] = scored["tags"].encode(ex["tags"])
        if "label" in scored:
            out["label_ids"] = scored["label"].encode([ex["label"]])[0]
        return out

    return dd.map(encode, desc="numericalize")
