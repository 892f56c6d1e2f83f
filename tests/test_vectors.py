"""Pretrained vectors from a text file: rows copied for the vocabulary's words (exact, then lower-cased form),
coverage reported, headers and malformed lines handled; and through train.main with model.vectors."""
import gzip
import re
import sys
import zipfile

import pytest
import torch

from errors import ConfigError, DataFormatError
import train
from data.vector_sources import open_vectors
from data.vectors import load_vectors
from data.vocab import Vocab
from training.checkpoint import load_checkpoint

VOCAB = Vocab(["<pad>", "<unk>", "the", "Paris", "paris", "Berlin", "zyzzyva"])


def write_vectors(path, rows: dict, header: bool = False):
    lines = [f"{len(rows)} {len(next(iter(rows.values())))}"] if header else []
    lines += [" ".join([word, *(f"{v:g}" for v in vec)]) for word, vec in rows.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("header", [False, True])   # GloVe (no header) and word2vec/fastText text (header)
def test_rows_copied_and_coverage(tmp_path, header):
    rows = {"the": [1, 2, 3], "paris": [4, 5, 6], "berlin": [7, 8, 9], "unused": [0, 0, 1], "Paris": [9, 9, 9]}
    path = write_vectors(tmp_path / "v.txt", rows, header)
    torch.manual_seed(0)
    weight = torch.randn(len(VOCAB), 3)
    weight[0] = 0
    before = weight.clone()
    coverage = load_vectors(path, VOCAB, weight)
    assert coverage == {"words": 5, "exact": 3, "lowercase": 1, "coverage": 4 / 5}
    stoi = VOCAB.stoi
    assert weight[stoi["the"]].tolist() == [1, 2, 3] and weight[stoi["paris"]].tolist() == [4, 5, 6]
    assert weight[stoi["Paris"]].tolist() == [9, 9, 9]           # the exact form wins over the lower-cased one
    assert weight[stoi["Berlin"]].tolist() == [7, 8, 9]          # found through its lower-cased form
    assert torch.all(weight[0] == 0)                              # PAD stays zero
    for word in ("<unk>", "zyzzyva"):                             # not in the file: random, rescaled, same direction
        a, b = weight[stoi[word]], before[stoi[word]]
        assert torch.allclose(a / a.norm(), b / b.norm(), atol=1e-6)


def test_wrong_width_and_bad_numbers_name_file_and_line(tmp_path):
    path = write_vectors(tmp_path / "v.txt", {"the": [1, 2, 3], "cat": [1, 2]})
    with pytest.raises(DataFormatError, match=r"v\.txt:2: expected a word and 3 numbers"):
        load_vectors(path, VOCAB, torch.zeros(len(VOCAB), 3))
    path.write_text("2 4\nthe 1 2 3 4\n")
    with pytest.raises(DataFormatError, match=r"v\.txt:1: vectors are 4-dimensional, model.embed_dim is 3"):
        load_vectors(path, VOCAB, torch.zeros(len(VOCAB), 3))
    path.write_text("the 1 x 3\n")
    with pytest.raises(DataFormatError, match=r"v\.txt:1: a vector value is not a number"):
        load_vectors(path, VOCAB, torch.zeros(len(VOCAB), 3))


def test_a_compressed_or_not_utf8_file_is_named_with_what_to_do(tmp_path):
    text = b"the 1 2 3\n"
    (tmp_path / "v.txt.gz").write_bytes(gzip.compress(text))
    with zipfile.ZipFile(tmp_path / "v.zip", "w") as z:
        z.writestr("v.txt", text)
    (tmp_path / "v.txt").write_bytes(text + "caf\u00e9 4 5 6\n".encode("latin-1"))
    for name, message in [("v.txt.gz", r"gzip-compressed, but model.vectors is read as UTF-8 text: gunzip it"),
                          ("v.zip", r"a zip archive, but model.vectors is read as UTF-8 text: unzip it"),
                          ("v.txt:2", r"not valid UTF-8 \(invalid continuation byte at byte 3\): model.vectors is "
                                      r"read as UTF-8 text \(data.encoding is the data files'\)")]:
        with pytest.raises(DataFormatError, match=rf"^{re.escape(str(tmp_path / name))}: {message}"):
            load_vectors(tmp_path / name.removesuffix(":2"), VOCAB, torch.zeros(len(VOCAB), 3))


@pytest.mark.parametrize("content, message", [("", "no vectors"), ("0 3\n\n", "no vectors"),
                                              ("Rome 1 2 3\nzebra 4 5 6\n", "none of its words is one of the "
                                                                              "vocabulary's 5 words")])
def test_vectors_that_give_no_word_a_vector_are_an_error_naming_the_file(tmp_path, content, message):
    """An empty file, or one of other words, would train with coverage 0 as if it had vectors."""
    path = tmp_path / "v.txt"
    path.write_text(content)
    with pytest.raises(DataFormatError, match=rf"^{re.escape(str(path))}: {message}"):
        load_vectors(path, VOCAB, torch.zeros(len(VOCAB), 3))


def test_a_file_needs_no_download_module_and_a_name_says_which_part_is_missing(tmp_path, monkeypatch):
    path = write_vectors(tmp_path / "v.txt", {"the": [1, 2, 3]})
    monkeypatch.setitem(sys.modules, "data.download", None)      # as in a copy without named_datasets
    assert open_vectors(str(path), dim=3).find(["the"])["the"].tolist() == [1, 2, 3]
    with pytest.raises(ConfigError, match=r"^model.vectors=glove.6B.100d: no such file, and a named resource needs "
                                          r"data/download.py, a part this copy of the template leaves out"):
        open_vectors("glove.6B.100d", dim=100)


@pytest.mark.part("vectors", "tagging")                          # tiny's POS words: a classifier copy's are others
def test_train_main_starts_from_the_vectors(tmp_path, capsys):
    words = ["the", ".", "dog", "in", "and", "reads"]
    path = write_vectors(tmp_path / "glove.txt", {w: [float(i + 1)] * 16 for i, w in enumerate(words)})
    run = tmp_path / "run"
    train.main(["configs/tiny.yaml", f"model.vectors={path}", "train.max_steps=1", "train.lr=1e-9",
                "--run-dir", str(run)])
    out = capsys.readouterr().out
    assert f"vectors {path}: {{'words': " in out and "'exact': 6" in out
    ckpt = load_checkpoint(run / "best.pt")
    itos = ckpt["words"]["itos"]
    embedding = ckpt["model"]["encoder.embedding.weight"]
    for i, w in enumerate(words):                                 # lr 1e-9: still the file's vectors
        torch.testing.assert_close(embedding[itos.index(w)], torch.full((16,), float(i + 1)), atol=1e-5, rtol=0)
