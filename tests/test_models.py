"""The project's encoder and task models: h_n sentence vector, padding invariance, gradients, save/load."""
import pytest
import torch

from data.batching import collate
from models.encoder import Encoder, EncoderConfig
from models.tasks import build_model
from training.checkpoint import load_checkpoint, save_checkpoint

VOCAB, LENGTHS = 30, [7, 5, 4, 3]
NAMES = {"tagging": {"tags": ["O", "B-X", "I-X", "B-Y"]}, "classification": {"label": ["a", "b", "c", "d"]}}


def make_batch(lengths=LENGTHS, tagging=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    examples = []
    for n in lengths:
        ids = torch.randint(2, VOCAB, (n,), generator=g).tolist()
        label = torch.randint(0, 4, (n,), generator=g).tolist() if tagging else int(torch.randint(0, 4, (1,)))
        examples.append({"ids": ids, "tag_ids" if tagging else "label_ids": label})
    return collate(examples)


@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
def test_sentence_vector_is_h_n_at_real_ends(rnn):
    torch.manual_seed(0)
    cfg = EncoderConfig(rnn=rnn, embed_dim=8, hidden_size=6, num_layers=2, dropout=0.0)
    enc = Encoder(VOCAB, cfg).eval()
    b = make_batch()
    output, sentence = enc(b.tokens, b.lengths)                   # (B, T, 2H), (B, 2H)
    H = cfg.hidden_size
    assert output.shape == (4, max(LENGTHS), 2 * H) and sentence.shape == (4, 2 * H)
    for i, n in enumerate(LENGTHS):
        torch.testing.assert_close(sentence[i, :H], output[i, n - 1, :H], rtol=0, atol=0)
        torch.testing.assert_close(sentence[i, H:], output[i, 0, H:], rtol=0, atol=0)
        assert torch.all(output[i, n:] == 0)                      # padding stays zero


@pytest.mark.parametrize("task", ["tagging", "classification"])
def test_sentence_alone_equals_sentence_in_padded_batch(task):
    torch.manual_seed(0)
    model = build_model(task, VOCAB, NAMES[task], EncoderConfig(embed_dim=8, hidden_size=6, dropout=0.0)).eval()
    batch = make_batch(tagging=task == "tagging")
    logits_batch, _ = model(batch)
    for i, n in enumerate(LENGTHS):
        alone = collate([{"ids": batch.tokens[i, :n].tolist()}])
        logits_alone, loss = model(alone)
        assert loss is None
        if task == "tagging":
            torch.testing.assert_close(logits_alone[0], logits_batch[i, :n], rtol=0, atol=1e-6)
        else:
            torch.testing.assert_close(logits_alone[0], logits_batch[i], rtol=0, atol=1e-6)
        field = "tags" if task == "tagging" else "label"
        assert model.predict(alone)[field][0] == model.predict(batch)[field][i]


@pytest.mark.parametrize("task", ["tagging", "classification"])
@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("path", ["packed", "reversed"])
def test_every_parameter_gets_a_gradient(task, rnn, path):
    torch.manual_seed(0)
    cfg = EncoderConfig(rnn=rnn, embed_dim=8, hidden_size=6, dropout=0.0, rnn_path=path)
    model = build_model(task, VOCAB, NAMES[task], cfg)
    _, loss = model(make_batch(tagging=task == "tagging"))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"{name} got no gradient"


def test_train_save_load_gives_identical_predictions(tmp_path):
    torch.manual_seed(0)
    cfg = EncoderConfig(embed_dim=8, hidden_size=6, dropout=0.1)
    model = build_model("tagging", VOCAB, NAMES["tagging"], cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    batch = make_batch()
    for _ in range(5):
        _, loss = model(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_checkpoint({"model": model.state_dict()}, tmp_path / "m.pt")
    loaded = build_model("tagging", VOCAB, NAMES["tagging"], cfg)
    loaded.load_state_dict(load_checkpoint(tmp_path / "m.pt")["model"])
    model.eval(), loaded.eval()
    torch.testing.assert_close(loaded(batch)[0], model(batch)[0], rtol=0, atol=0)
    assert loaded.predict(batch) == model.predict(batch)


class Evil:  # any object that is not plain data makes torch.save pickle it
    pass


def test_pickled_checkpoint_is_refused(tmp_path):
    torch.save({"model": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="refused to load"):
        load_checkpoint(tmp_path / "evil.pt")


def test_word_dropout_only_in_training():
    torch.manual_seed(0)
    enc = Encoder(VOCAB, EncoderConfig(embed_dim=8, hidden_size=6, dropout=0.0, word_dropout=0.5))
    b = make_batch()
    enc.eval()
    a1, _ = enc(b.tokens, b.lengths)
    a2, _ = enc(b.tokens, b.lengths)
    torch.testing.assert_close(a1, a2, rtol=0, atol=0)
    enc.train()
    t1, _ = enc(b.tokens, b.lengths)
    assert not torch.allclose(t1, a1)


@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers,bidirectional", [(1, True), (2, True), (2, False)])
def test_reversed_path_equals_packed_path(rnn, layers, bidirectional):
    """The fast path (no packing) gives the packed path's per-token outputs and h_n, to 1e-6."""
    torch.manual_seed(0)
    enc = Encoder(VOCAB, EncoderConfig(rnn=rnn, embed_dim=8, hidden_size=6, num_layers=layers,
                                       bidirectional=bidirectional, dropout=0.0)).eval()
    b = make_batch(lengths=[3, 9, 1, 6, 9])
    x = enc.embedding(b.tokens)
    out_p, h_p = enc.run_packed(x, b.lengths)
    out_r, h_r = enc.run_reversed(x, b.lengths)
    torch.testing.assert_close(out_r, out_p, rtol=0, atol=1e-6)
    torch.testing.assert_close(h_r, h_p, rtol=0, atol=1e-6)
    enc.cfg.rnn_path = "reversed"
    fast = enc(b.tokens, b.lengths)
    enc.cfg.rnn_path = "packed"
    for a, ref in zip(fast, enc(b.tokens, b.lengths)):
        torch.testing.assert_close(a, ref, rtol=0, atol=1e-6)
