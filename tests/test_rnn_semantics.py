"""The lesson, proven on PyTorch's own RNN/LSTM/GRU (batch_first=False, as in the README table).

output (T, B, D*H): last layer, every step.  h_n (D*L, B, H): every layer, last real step.
"""
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

LENGTHS = [7, 5, 4, 3]
H, E, L = 6, 5, 2


def run_packed(rnn_cls, lengths=LENGTHS, num_layers=L, bidirectional=True):
    torch.manual_seed(0)
    rnn = rnn_cls(E, H, num_layers=num_layers, bidirectional=bidirectional)
    x = torch.randn(max(lengths), len(lengths), E)                      # (T, B, E)
    packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    out, state = rnn(packed)
    h_n = state[0] if isinstance(state, tuple) else state               # LSTM returns (h_n, c_n)
    output, out_lengths = pad_packed_sequence(out)                      # (T, B, D*H)
    assert out_lengths.tolist() == list(lengths)
    return output, h_n


@pytest.mark.parametrize("rnn_cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_shapes(rnn_cls):
    output, h_n = run_packed(rnn_cls)
    assert output.shape == (max(LENGTHS), len(LENGTHS), 2 * H)         # (T, B, D*H)
    assert h_n.shape == (2 * L, len(LENGTHS), H)                       # (D*L, B, H)


@pytest.mark.parametrize("rnn_cls", [nn.RNN, nn.LSTM, nn.GRU])
@pytest.mark.parametrize("lengths", [LENGTHS, [3, 7, 4, 5]])  # unsorted too: enforce_sorted=False unsorts h_n
def test_h_n_is_output_at_last_real_step(rnn_cls, lengths):
    output, h_n = run_packed(rnn_cls, lengths)
    for i, n in enumerate(lengths):
        torch.testing.assert_close(h_n[-2, i], output[n - 1, i, :H], rtol=0, atol=0)  # forward: last real token
        torch.testing.assert_close(h_n[-1, i], output[0, i, H:], rtol=0, atol=0)      # backward: first token


@pytest.mark.parametrize("rnn_cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_output_last_step_is_padding_for_shorter_sentences(rnn_cls):
    output, h_n = run_packed(rnn_cls)
    longest = max(LENGTHS)
    for i, n in enumerate(LENGTHS):
        if n == longest:
            torch.testing.assert_close(output[-1, i, :H], h_n[-2, i], rtol=0, atol=0)
        else:
            assert torch.all(output[-1, i] == 0), "output[-1] past a sentence's end is padding"
            assert not torch.allclose(output[-1, i, :H], h_n[-2, i])


@pytest.mark.parametrize("rnn_cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_lower_layers_live_only_in_h_n(rnn_cls):
    """h_n rows 0..2L-3 are layers below the last; output holds the last layer only, so they match nothing."""
    output, h_n = run_packed(rnn_cls)
    for i, n in enumerate(LENGTHS):
        assert not torch.allclose(h_n[0, i], output[n - 1, i, :H])
        assert not torch.allclose(h_n[1, i], output[0, i, H:])


@pytest.mark.parametrize("rnn_cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_one_layer_unidirectional_full_length_h_n_equals_output_last(rnn_cls):
    output, h_n = run_packed(rnn_cls, lengths=[6, 6, 6], num_layers=1, bidirectional=False)
    assert h_n.shape == (1, 3, H)
    torch.testing.assert_close(h_n[0], output[-1], rtol=0, atol=0)


@pytest.mark.parametrize("rnn_cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_bidirectional_h_n_differs_from_output_last_even_at_full_length(rnn_cls):
    """Full length, but bidirectional: output[-1, :, H:] is the backward direction after ONE token."""
    output, h_n = run_packed(rnn_cls, lengths=[6, 6, 6], num_layers=1, bidirectional=True)
    torch.testing.assert_close(h_n[0], output[-1, :, :H], rtol=0, atol=0)
    assert not torch.allclose(h_n[1], output[-1, :, H:])
    torch.testing.assert_close(h_n[1], output[0, :, H:], rtol=0, atol=0)
