"""Pretrained word vectors from a text file (GloVe, word2vec text, fastText .vec) into an embedding matrix.

One word per line followed by its D numbers, space-separated; word2vec/fastText files start with a ``count D``
header line, GloVe files do not (both are detected). A word that itself contains spaces (GloVe 840B has a few) is
read as everything before the last D fields. Only the vocabulary's words are kept while streaming the file.
"""
from __future__ import annotations

import math
from pathlib import Path

import torch

from .readers import DataFormatError, _open_lines
from .vocab import PAD_ID, Vocab


def _vector_lines(path: Path, dim: int):
    """Yield (line_no, word, values as strings) for each vector line; checks the header and every width."""
    for line_no, line in _open_lines(path):
        fields = line.rstrip().split(" ")
        if line_no == 1 and len(fields) == 2 and all(f.isdigit() for f in fields):  # word2vec/fastText header
            if int(fields[1]) != dim:
                raise DataFormatError(path, 1, f"vectors are {fields[1]}-dimensional, model.embed_dim is {dim}")
            continue
        if not line.strip():
            continue
        if len(fields) < dim + 1:
            raise DataFormatError(path, line_no, f"expected a word and {dim} numbers (model.embed_dim), "
                                                 f"found {len(fields)} fields")
        yield line_no, " ".join(fields[:-dim]), fields[-dim:]


def _vector(path: Path, line_no: int, word: str, values: list[str]) -> torch.Tensor:
    """(D,) from a line's numbers; one that is not a number, or not finite (it would make the loss NaN), is an
    error naming the line."""
    try:
        vector = torch.tensor([float(v) for v in values])
    except ValueError:
        raise DataFormatError(path, line_no, "a vector value is not a number") from None
    if not torch.isfinite(vector).all():
        bad = next(v for v, x in zip(values, vector.tolist()) if not math.isfinite(x))
        raise DataFormatError(path, line_no, f"the vector of {word!r} holds {bad} (not a finite number): it would "
                                             f"make the loss NaN; fix or drop that line of model.vectors")
    return vector


@torch.no_grad()
def load_vectors(path: str | Path, vocab: Vocab, weight: torch.Tensor) -> dict:
    """Copy the file's vectors into ``weight`` (V, D) for the vocabulary's words, in place.

    A word takes the file's vector for its exact form, else (first in the file) for its lower-cased form, as
    cased vocabularies meet lower-cased GloVe. Rows of words not found keep their random initialisation, rescaled
    to the found vectors' standard deviation so both kinds start on the same scale; the PAD row stays zero.
    Returns the coverage over the vocabulary's words (PAD and UNK excluded): {"words", "exact", "lowercase",
    "coverage"} with coverage = (exact + lowercase) / words.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such vectors file (model.vectors)")
    if not vocab.specials:
        raise ValueError("load_vectors takes a word vocabulary (with PAD and UNK)")
    V, dim = weight.shape
    first = 2  # PAD, UNK
    exact = {w: i for i, w in enumerate(vocab.itos) if i >= first}
    lower: dict[str, list[int]] = {}
    for w, i in exact.items():
        lower.setdefault(w.lower(), []).append(i)
    found: dict[int, bool] = {}  # row -> True when matched exactly
    vectors = torch.empty(V, dim)
    for line_no, word, values in _vector_lines(path, dim):
        rows = [(exact[word], True)] if word in exact and not found.get(exact[word]) else []
        rows += [(i, False) for i in lower.get(word, []) if i not in found and i != exact.get(word)]
        if not rows:
            continue
        vector = _vector(path, line_no, word, values)
        for i, is_exact in rows:
            vectors[i], found[i] = vector, is_exact
    if found:
        rows = torch.tensor(sorted(found))
        scale = vectors[rows].std() / weight[first:].std().clamp_min(1e-12)
        weight.mul_(scale)
        weight[rows] = vectors[rows]
        weight[PAD_ID] = 0
    words = V - first
    n_exact = sum(found.values())
    return {"words": words, "exact": n_exact, "lowercase": len(found) - n_exact,
            "coverage": len(found) / max(words, 1)}
