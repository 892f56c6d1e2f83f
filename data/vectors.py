"""Pretrained word vectors into an embedding matrix: the vocabulary's rows copied from a source
(data/vector_sources.py: a GloVe/word2vec/fastText text file, or the glove.6B.50d package's arrays).

Only the vocabulary's words are looked up. A vocabulary may end with frozen words (`data.vocab.Vocab.frozen`,
``model.vectors_vocab``): words of the vectors that train lacks, whose rows are the vectors themselves and never
trained, so a test word never seen in training still gets its pretrained vector instead of <unk>.
"""
from __future__ import annotations

from pathlib import Path

import torch

from errors import DataFormatError
from .vector_sources import TextVectors
from .vocab import PAD_ID, Vocab


def _match(vocab: Vocab, source) -> dict[int, tuple[torch.Tensor, bool]]:
    """Row -> (vector, exact?) for the vocabulary's words (PAD and UNK aside): the vector of the word's exact form,
    else of its lower-cased form, as cased vocabularies meet lower-cased GloVe."""
    first = 2  # PAD, UNK
    words = vocab.itos[first:]
    found = source.find(set(words) | {w.lower() for w in words})
    rows = {}
    for i, w in enumerate(words, start=first):
        if w in found:
            rows[i] = (found[w], True)
        elif w.lower() in found:
            rows[i] = (found[w.lower()], False)
    return rows


@torch.no_grad()
def load_vectors(source, vocab: Vocab, weight: torch.Tensor, frozen: torch.Tensor | None = None) -> dict:
    """Copy the source's vectors into ``weight`` (V - F, D) for the vocabulary's trained words, in place, and into
    ``frozen`` (F, D) for its F frozen words (`Vocab.frozen`; None when F is 0).

    ``source``: a `data.vector_sources` source, or a path to a text file. A trained word takes the vector of its
    exact form, else (first in the file) of its lower-cased form. Rows of words not found keep their random
    initialisation, rescaled to the found vectors' standard deviation so both kinds start on the same scale; the
    PAD row stays zero. Returns the coverage over the trained words (PAD and UNK excluded): {"words", "exact",
    "lowercase", "coverage"} with coverage = (exact + lowercase) / words, and {"added": F} with frozen words. No
    trained word found (an empty source, or vectors of other words) is a DataFormatError naming the source.
    """
    if isinstance(source, (str, Path)):
        source = TextVectors(source, weight.shape[1])
    if not vocab.specials:
        raise ValueError("load_vectors takes a word vocabulary (with PAD and UNK)")
    trained, first = len(vocab) - vocab.frozen, 2
    if weight.shape[0] != trained or (frozen is not None and frozen.shape[0] != vocab.frozen):
        raise ValueError(f"the embedding has {weight.shape[0]} rows (+ {0 if frozen is None else frozen.shape[0]} "
                         f"frozen) for {trained} trained and {vocab.frozen} frozen words")
    found = _match(vocab, source)
    rows = sorted(i for i in found if i < trained)
    if not rows:
        raise DataFormatError(source, None, "no vectors (empty file?)" if not source.words(1) else
                              f"none of its words is one of the vocabulary's {trained - first} words (lower-cased "
                              f"too): vectors of another language or tokenisation? (model.vectors)")
    vectors = torch.stack([found[i][0] for i in rows])                          # (n, D)
    weight.mul_(vectors.std() / weight[first:].std().clamp_min(1e-12))
    weight[torch.tensor(rows)] = vectors
    weight[PAD_ID] = 0
    for i in range(trained, len(vocab)):  # frozen words are the vectors' own: always found exactly
        frozen[i - trained] = found[i][0]
    n_exact = sum(found[i][1] for i in rows)
    coverage = {"words": trained - first, "exact": n_exact, "lowercase": len(rows) - n_exact,
                "coverage": len(rows) / max(trained - first, 1)}
    return {**coverage, "added": vocab.frozen} if vocab.frozen else coverage


def init_embeddings(encoder, source, vocab: Vocab, writer, name: str) -> None:
    """A new run's word embeddings (the encoder's) from ``source``; the coverage printed and logged (TensorBoard)."""
    coverage = load_vectors(source, vocab, encoder.embedding.weight, encoder.frozen_embedding)
    print(f"vectors {source}: {coverage}")
    writer.add_text("vectors/coverage", f"{name}: {coverage}", 0)
