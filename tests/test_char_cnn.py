"""Character CNN and character padding: shapes, padding invariance, gradients, empty word slots."""
import pytest
import torch

from data.batching import collate
from data.chars import pad_chars
from data.chars import build_char_vocab, encode_chars
from data.vocab import PAD_ID, UNK_ID
from models.char_cnn import CharCNN

SENTENCES = [["The", "cat", "sat", "down", "."], ["Dogs", "bark"], ["Extraordinarily"]]


@pytest.fixture
def vocab():
    return build_char_vocab(SENTENCES)


def batch_chars(vocab, sentences=SENTENCES, max_word_len=20):
    return pad_chars([encode_chars(vocab, s) for s in sentences], max_word_len=max_word_len)


def test_char_vocab_and_padding(vocab):
    assert vocab.itos[:2] == ["<pad>", "<unk>"] and "a" in vocab.stoi and "x" in vocab.stoi
    assert encode_chars(vocab, ["ca", "Z"]) == [[vocab.stoi["c"], vocab.stoi["a"]], [UNK_ID]]
    chars = batch_chars(vocab)
    assert chars.shape == (3, 5, len("Extraordinarily")) and chars.dtype == torch.int64
    assert vocab.decode(chars[0, 3, :4].tolist()) == list("down") and torch.all(chars[0, 3, 4:] == PAD_ID)
    assert torch.all(chars[1, 2:] == PAD_ID)                                   # padded word slots
    capped = batch_chars(vocab, max_word_len=5)                                 # (B, T, 5)
    assert capped.shape == (3, 5, 5) and vocab.decode(capped[2, 0].tolist()) == list("Extra")


@pytest.mark.parametrize("kernel_size", [1, 3])
def test_output_shape_and_empty_slots_are_zero(vocab, kernel_size):
    torch.manual_seed(0)
    cnn = CharCNN(len(vocab), char_dim=8, num_filters=6, kernel_size=kernel_size, dropout=0.0).eval()
    chars = batch_chars(vocab)
    out = cnn(chars)
    assert out.shape == (3, 5, 6) and cnn.output_size == 6
    empty = chars.eq(PAD_ID).all(dim=2)                                         # (B, T)
    assert empty.sum() == 3 + 4 and torch.all(out[empty] == 0) and torch.all(out[~empty] != 0)


@pytest.mark.parametrize("kernel_size", [3, 5])
def test_word_vector_does_not_depend_on_batch_padding(vocab, kernel_size):
    torch.manual_seed(0)
    cnn = CharCNN(len(vocab), char_dim=8, num_filters=6, kernel_size=kernel_size, dropout=0.5).eval()
    batched = cnn(batch_chars(vocab))                                           # C = 15, T = 5
    for i, sentence in enumerate(SENTENCES):
        for j, word in enumerate(sentence):
            alone = cnn(pad_chars([[vocab.encode(word)]]))                       # (1, 1, F), C = len(word)
            torch.testing.assert_close(batched[i, j], alone[0, 0], rtol=1e-5, atol=1e-6)


def test_gradients_reach_all_parameters(vocab):
    torch.manual_seed(0)
    cnn = CharCNN(len(vocab), char_dim=8, num_filters=6, dropout=0.0).train()
    out = cnn(batch_chars(vocab))
    (out ** 2).sum().backward()
    for name, p in cnn.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    assert torch.all(cnn.embedding.weight.grad[PAD_ID] == 0)                    # padding_idx stays zero


def test_even_kernel_is_rejected():
    with pytest.raises(ValueError, match="odd"):
        CharCNN(10, kernel_size=4)


def test_distinct_words_run_once_with_the_same_values_and_gradients(vocab):
    """forward() runs the CNN once per distinct spelling; it must equal running it on every word slot."""
    sentences = [["the", "cat", "saw", "the", "cat"], ["the", "dog"], ["cat"]]
    chars = pad_chars([encode_chars(vocab, s) for s in sentences])             # (3, 5, 3): 3 distinct + pads
    torch.manual_seed(0)
    cnn = CharCNN(len(vocab), char_dim=8, num_filters=6, dropout=0.0)
    once = cnn(chars)                                                           # (B, T, F)
    every = cnn.words(chars.reshape(-1, chars.shape[-1])).reshape(once.shape)   # the CNN on all 15 slots
    torch.testing.assert_close(once, every, rtol=0, atol=0)
    grads = [torch.autograd.grad((out * torch.arange(out.numel()).reshape(out.shape)).sum(), cnn.parameters())
             for out in (cnn(chars), cnn.words(chars.reshape(-1, chars.shape[-1])).reshape(once.shape))]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_spellings_found_by_the_loader_change_nothing(vocab):
    """collate finds each batch's distinct spellings on the host (no torch.unique in a GPU step); the CNN given
    them gives what it gives finding them itself, dropout masks and gradients included, bit for bit."""
    sentences = [["the", "cat", "saw", "the", "cat"], ["the", "dog"], ["Extraordinarily", "cat"]]
    batch = collate([{"ids": [2] * len(s), "chars": encode_chars(vocab, s)} for s in sentences])
    distinct, index = torch.unique(batch.chars.reshape(-1, batch.chars.shape[-1]), dim=0, return_inverse=True)
    assert torch.equal(batch.spellings, distinct) and torch.equal(batch.spelling_ids, index.reshape(3, 5))
    assert len(distinct) == 6                               # the, cat, saw, dog, extraordinarily + the pad row
    cnn = CharCNN(len(vocab), char_dim=8, num_filters=6, dropout=0.5).train()
    runs = []
    for words in (None, batch.distinct_spellings):
        torch.manual_seed(0)
        out = cnn(batch.chars, words)
        runs.append((out, torch.autograd.grad((out ** 2).sum(), list(cnn.parameters()))))
    (a, grads_a), (b, grads_b) = runs
    assert torch.equal(a, b) and all(torch.equal(x, y) for x, y in zip(grads_a, grads_b))
