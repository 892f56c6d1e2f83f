"""The embedding choices of the papers (issue 28), on tiny files made here: frozen vectors (model.freeze_vectors,
Kim's static), the vectors' words beyond train's (model.vectors_vocab: frozen rows, a test word unseen in train gets
its vector), and how a cased vocabulary meets lower-cased vectors; the config checks of both keys."""
import pytest
import torch

from errors import ConfigError
import train
from data.vectors import load_vectors
from data.vocab import UNK_ID, Vocab
from models.encoder import Encoder, EncoderConfig
from training.checkpoint import load_checkpoint
from training.config import load_config
from inference.run import load_run

DIM = 4
TRAIN = [("the", "DET"), ("cat", "NOUN"), ("sat", "VERB")], [("a", "DET"), ("dog", "NOUN"), ("ran", "VERB")]
TEST = [("the", "DET"), ("wolf", "NOUN"), ("ran", "VERB")],    # "wolf": in the vectors, not in train
VECTORS = {w: [float(i + 1)] * DIM for i, w in enumerate(["the", "a", "cat", "dog", "wolf", "sat", "ran", "fox"])}


def conllu(path, sentences):
    rows = []
    for sentence in sentences:
        rows += [f"{i}\t{w}\t_\t{t}\t_\t_\t_\t_\t_\t_" for i, (w, t) in enumerate(sentence, start=1)] + [""]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def tiny(tmp_path):
    """Overrides for a tiny tagger on files in tmp_path with a GloVe-style vectors file."""
    vectors = tmp_path / "vectors.txt"
    vectors.write_text("".join(f"{w} {' '.join(map(str, v))}\n" for w, v in VECTORS.items()))
    train_file, test_file = conllu(tmp_path / "train.conllu", TRAIN * 4), conllu(tmp_path / "test.conllu", TEST)
    return ["data.name=tiny_vectors", "data.format=conllu", f"data.train_file={train_file}",
            f"data.validation_file={test_file}", f"data.test_file={test_file}", f"model.embed_dim={DIM}",
            "model.hidden_size=4", "model.num_layers=1", "model.dropout=0", f"model.vectors={vectors}",
            "train.epochs=2", "train.batch_size=2", "train.lr=0.5", "train.weight_decay=0"]


@pytest.mark.part("tagging")  # tiny's files are CoNLL-U
def test_freeze_vectors_keeps_the_embedding(tmp_path, tiny):
    run = tmp_path / "run"
    train.main(["configs/tiny.yaml", *tiny, "model.freeze_vectors=true", "--run-dir", str(run)])
    ckpt = load_checkpoint(run / "best.pt")
    weight = load_checkpoint(run / "last.pt")["model"]["encoder.embedding.weight"]
    itos = ckpt["words"]["itos"]
    for w in ("the", "cat", "ran"):                               # lr 0.5, two epochs: still the file's vectors
        assert weight[itos.index(w)].tolist() == VECTORS[w]


@pytest.mark.part("tagging")  # tiny's files are CoNLL-U
def test_vectors_vocab_adds_frozen_words_unseen_in_train(tmp_path, tiny):
    run = tmp_path / "run"
    train.main(["configs/tiny.yaml", *tiny, "model.vectors_vocab=100", "--run-dir", str(run)])
    ckpt = load_checkpoint(run / "last.pt")
    words = ckpt["words"]
    assert words["frozen"] == 2 and words["itos"][-2:] == ["wolf", "fox"]   # the file's order, train's words out
    frozen = ckpt["model"]["encoder.frozen_embedding"]                       # (2, DIM): never trained
    assert frozen.tolist() == [VECTORS["wolf"], VECTORS["fox"]]
    assert ckpt["model"]["encoder.embedding.weight"].shape[0] == len(words["itos"]) - 2
    loaded = load_run(run)                                                    # predict/evaluate see the same ids
    assert loaded.vocabs.words.encode(["wolf", "zebra"]) == [len(words["itos"]) - 2, UNK_ID]


def test_encoder_reads_frozen_rows_past_the_trained_ones():
    torch.manual_seed(0)
    encoder = Encoder(6, EncoderConfig(embed_dim=3, hidden_size=2, num_layers=1, dropout=0.0), frozen_words=2)
    encoder.frozen_embedding.copy_(torch.tensor([[1.0, 2, 3], [4, 5, 6]]))
    x = encoder.embed(torch.tensor([[2, 4, 5, 0]]))                           # (1, 4, 3)
    assert torch.equal(x[0, 0], encoder.embedding.weight[2].detach())
    assert x[0, 1].tolist() == [1, 2, 3] and x[0, 2].tolist() == [4, 5, 6] and x[0, 3].tolist() == [0, 0, 0]
    x.sum().backward()
    assert encoder.embedding.weight.grad[2].abs().sum() > 0 and encoder.frozen_embedding.grad is None


def test_cased_vocabulary_meets_lower_cased_vectors(tmp_path):
    vocab = Vocab(["<pad>", "<unk>", "Paris", "paris", "Wolf"]).with_frozen(["the", "paris", "fox"])
    assert vocab.frozen == 2 and vocab.itos[-2:] == ["the", "fox"]
    path = tmp_path / "v.txt"
    path.write_text("the 1 1\nparis 2 2\nwolf 3 3\nfox 4 4\n")
    weight, frozen = torch.zeros(len(vocab) - 2, 2), torch.zeros(2, 2)
    coverage = load_vectors(path, vocab, weight, frozen)
    assert coverage == {"words": 3, "exact": 1, "lowercase": 2, "coverage": 1.0, "added": 2}
    assert weight[2].tolist() == [2, 2] and weight[4].tolist() == [3, 3] and frozen.tolist() == [[1, 1], [4, 4]]
    assert Vocab.from_dict(vocab.to_dict()).frozen == 2 and "frozen" not in Vocab(["<pad>", "<unk>"]).to_dict()


@pytest.mark.parametrize("override, message", [
    ("model.freeze_vectors=true", "model.freeze_vectors and model.vectors_vocab are for pretrained vectors"),
    ("model.vectors_vocab=10", "model.freeze_vectors and model.vectors_vocab are for pretrained vectors"),
    ("model.vectors_vocab=-1", "model.vectors_vocab must be >= 0, got -1"),
])
def test_config_checks(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config("configs/tiny.yaml", [override])
