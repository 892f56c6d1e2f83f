"""The project's encoder and task models: h_n sentence vector, padding invariance, gradients, save/load."""

from importlib.util import find_spec

import pytest
import torch

from data.batching import collate
from models.encoder import Encoder, EncoderConfig
from models.tasks import build_model
from tests.fixtures import by_part
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


@pytest.mark.parametrize("task", by_part("tagging", "classification"))
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


@pytest.mark.parametrize("task", by_part("tagging", "classification"))
@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("path", by_part("packed", "reversed"))
def test_every_parameter_gets_a_gradient(task, rnn, path):
    torch.manual_seed(0)
    cfg = EncoderConfig(rnn=rnn, embed_dim=8, hidden_size=6, dropout=0.0, rnn_path=path)
    model = build_model(task, VOCAB, NAMES[task], cfg)
    _, loss = model(make_batch(tagging=task == "tagging"))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"{name} got no gradient"


@pytest.mark.parametrize("task", by_part("tagging", "classification"))
def test_train_save_load_gives_identical_predictions(tmp_path, task):
    torch.manual_seed(0)
    cfg = EncoderConfig(embed_dim=8, hidden_size=6, dropout=0.1)
    model = build_model(task, VOCAB, NAMES[task], cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    batch = make_batch(tagging=task == "tagging")
    for _ in range(5):
        _, loss = model(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_checkpoint({"model": model.state_dict()}, tmp_path / "m.pt")
    loaded = build_model(task, VOCAB, NAMES[task], cfg)
    loaded.load_state_dict(load_checkpoint(tmp_path / "m.pt", required=("model",))["model"])
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


def test_sentence_vector_choices():
    """h_n reads the real ends; output_last reads padding for shorter sentences; pooling ignores pads."""
    from models.heads import ClassificationHead
    torch.manual_seed(0)
    enc = Encoder(VOCAB, EncoderConfig(embed_dim=8, hidden_size=6, dropout=0.0)).eval()
    b = make_batch()
    output, sentence = enc(b.tokens, b.lengths)
    vec = {v: ClassificationHead(12, 3, v).sentence_vector(output, sentence, b.lengths)
           for v in ("h_n", "output_last", "forward", "mean", "max")}
    assert vec["forward"].shape == (4, 6)
    torch.testing.assert_close(vec["forward"], sentence[:, :6])
    torch.testing.assert_close(vec["output_last"][0, :6], sentence[0, :6])  # the longest: its forward h_n
    assert torch.all(vec["output_last"][1:] == 0)                    # shorter sentences: padding
    for i, n in enumerate(LENGTHS):
        torch.testing.assert_close(vec["mean"][i], output[i, :n].mean(0))
        torch.testing.assert_close(vec["max"][i], output[i, :n].amax(0))


# --- char-CNN features, CRF output layer, joint intent + slots -------------------------------------------------

from models.tasks import ModelConfig  # noqa: E402

TAGS = ["O", "B-X", "I-X", "B-Y", "I-Y"]
JOINT = {"label": ["a", "b", "c"], "tags": TAGS}
NUM_CHARS = 12


HAS_CHARS = find_spec("models.char_cnn") is not None  # the char-CNN is a part: a copy may leave it out


def make_rich_batch(lengths=LENGTHS, seed=0):
    """Words, random spellings (1..9 chars; where the char-CNN is there), tags from TAGS and a sentence label."""
    g = torch.Generator().manual_seed(seed)
    examples = []
    for n in lengths:
        ex = {"ids": torch.randint(2, VOCAB, (n,), generator=g).tolist(),
              "chars": [torch.randint(2, NUM_CHARS, (int(torch.randint(1, 10, (1,), generator=g)),),
                                      generator=g).tolist() for _ in range(n)],
              "tag_ids": torch.randint(0, len(TAGS), (n,), generator=g).tolist(),
              "label_ids": int(torch.randint(0, 3, (1,), generator=g))}
        examples.append(ex if HAS_CHARS else {k: v for k, v in ex.items() if k != "chars"})
    return examples


def rich_model(task, **cfg):
    cfg = ModelConfig(embed_dim=8, hidden_size=6, dropout=0.0, char_filters=5 if HAS_CHARS else 0, char_dim=4, **cfg)
    names = {"tagging": {"tags": TAGS}, "classification": {"label": JOINT["label"]}, "joint": JOINT}[task]
    return build_model(task, VOCAB, names, cfg, num_chars=NUM_CHARS)


@pytest.mark.parametrize("task,crf", by_part(("tagging", False), ("tagging", True), ("classification", False),
                                             ("joint", True), ("joint", False)))
@pytest.mark.parametrize("path", by_part("packed", "reversed"))
def test_char_crf_joint_models_get_gradients_everywhere(task, crf, path):
    torch.manual_seed(0)
    model = rich_model(task, crf=crf, rnn_path=path)
    _, loss = model(collate(make_rich_batch()))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"{name} got no gradient"


@pytest.mark.part("char_cnn")
@pytest.mark.parametrize("task,crf", by_part(("tagging", True), ("joint", True), ("joint", False)))
def test_char_model_sentence_alone_equals_padded_batch(task, crf):
    torch.manual_seed(0)
    model = rich_model(task, crf=crf).eval()
    examples = make_rich_batch()
    batch = collate(examples)                                     # C = the batch's longest word
    in_batch = model.predict(batch)
    for i, ex in enumerate(examples):
        alone = model.predict(collate([{"ids": ex["ids"], "chars": ex["chars"]}]))  # C = this sentence's longest
        assert {k: v[0] for k, v in alone.items() if k != "probability"} == \
               {k: v[i] for k, v in in_batch.items() if k != "probability"}
    with pytest.raises(ValueError, match="needs chars"):
        model(collate([{"ids": examples[0]["ids"]}]))


@pytest.mark.part("tagging")
def test_crf_tagger_decodes_valid_iob2_with_viterbi():
    torch.manual_seed(0)
    model = rich_model("tagging", crf=True).eval()
    batch = collate(make_rich_batch(lengths=[6, 3, 1]))
    with torch.no_grad():
        model.head.proj.bias.copy_(torch.tensor([0.0, 0.0, 9.0, 0.0, 9.0]))  # emissions favour I-X / I-Y everywhere
    emissions = model.logits(batch)
    assert emissions.argmax(-1)[0, 0].item() in (2, 4)            # argmax would start with an I- tag
    paths = model.predict(batch)["tags"]
    assert paths == model.head.crf.viterbi(emissions, batch.mask)
    for path in paths:
        names = [TAGS[t] for t in path]
        assert all(not t.startswith("I-") or (i > 0 and names[i - 1][2:] == t[2:]) for i, t in enumerate(names))


@pytest.mark.part("joint", "tagging")
def test_joint_loss_is_intent_plus_weighted_slot_loss():
    torch.manual_seed(0)
    batch = collate(make_rich_batch())
    losses = {}
    for w in (0.0, 1.0, 2.5):
        torch.manual_seed(0)
        model = rich_model("joint", crf=True, slot_weight=w).eval()
        logits, losses[w] = model(batch)
    intent = torch.nn.functional.cross_entropy(logits["label"], batch.labels)
    slot = model.slot_head.loss(logits["tags"], batch.tags, batch.mask)
    torch.testing.assert_close(losses[0.0], intent)
    torch.testing.assert_close(losses[2.5], intent + 2.5 * slot)
    torch.testing.assert_close(losses[1.0], intent + slot)


@pytest.mark.parametrize("task", by_part("classification", "joint"))
def test_label_smoothing_is_cross_entropy_against_the_smoothed_target(task):
    """model.label_smoothing=x: the sentence-label loss is -sum(((1-x) one-hot + x/C) * log_softmax)."""
    batch = collate(make_rich_batch())
    torch.manual_seed(0)
    model = rich_model(task, crf=True, label_smoothing=0.2).eval()
    logits, loss = model(batch)
    label_logits = logits["label"] if task == "joint" else logits
    target = 0.8 * torch.nn.functional.one_hot(batch.labels, label_logits.size(1)) + 0.2 / label_logits.size(1)
    want = -(target * label_logits.log_softmax(-1)).sum(-1).mean()
    assert not torch.allclose(want, torch.nn.functional.cross_entropy(label_logits, batch.labels))
    if task == "joint":                                           # the slot term is left as it was
        want = want + model.slot_head.loss(logits["tags"], batch.tags, batch.mask)
    torch.testing.assert_close(loss, want)
    with pytest.raises(ValueError, match="label_smoothing"):
        ModelConfig(label_smoothing=1.0)
