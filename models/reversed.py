"""The reversed path (``model.rnn_path: reversed``, a part): the encoder's own weights on the padded batch, no
packing, the same output and h_n as the packed reference (tests/test_models.py), faster on CPUs and on random-length
GPU batches (docs/speed.md).

Each layer runs the forward direction on the padded batch (pads come after every real step, so they change nothing
before it) and the backward direction on each sentence reversed within its own length (pads stay at the end), then
un-reverses. h_n is read from `output` at the last real step, exactly the relation the packed path guarantees.
"""
from __future__ import annotations

import re
import warnings

import torch
from torch import _VF, nn

RNN_KERNELS = {"lstm": _VF.lstm, "gru": _VF.gru, "rnn": _VF.rnn_tanh}  # what nn.LSTM/GRU/RNN.forward call
# On CUDA the reversed path hands cuDNN one (layer, direction) of the module's single flat weight buffer at a
# time, so cuDNN copies those few weights into a chunk of their own at each call and says so once per process.
# That copy is in the measured GPU numbers (docs/speed.md). Silenced for calls from this module only: the
# same warning from an nn.LSTM elsewhere (the packed path included) would still mean unflattened weights.
warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous chunk",
                        module=re.escape(__name__))


def run(encoder, x: torch.Tensor, lengths: torch.Tensor):
    """`Encoder.run_packed`'s result with the encoder's weights, without packing: (B, T, E) -> output (B, T, D*H)
    zero at pads, h_n (D*L, B, H)."""
    B, T, _ = x.shape
    steps = torch.arange(T, device=x.device).expand(B, T)                  # (B, T)
    lens = lengths.to(x.device, non_blocking=True).unsqueeze(1)             # (B, 1); pinned: no stream sync
    real = steps < lens                                                     # (B, T)
    rev = torch.where(real, lens - 1 - steps, steps)                        # (B, T) its own inverse
    last = (lens - 1).unsqueeze(-1)                                         # (B, 1, 1)
    h_n, inp = [], x
    for layer in range(encoder.cfg.num_layers):
        outs = []
        for direction in range(encoder.num_directions):
            seq = inp if direction == 0 else _gather_steps(inp, rev)
            out = _one_direction(encoder, seq, layer, direction)                # (B, T, H)
            outs.append(out if direction == 0 else _gather_steps(out, rev))
            h_n.append(out.gather(1, last.expand(B, 1, out.size(-1))).squeeze(1))  # (B, H)
        inp = torch.cat(outs, dim=-1) * real.unsqueeze(-1)                  # (B, T, D*H), zero at pads
        if layer < encoder.cfg.num_layers - 1 and encoder.rnn.dropout > 0:
            inp = nn.functional.dropout(inp, encoder.rnn.dropout, encoder.training)
    return inp, torch.stack(h_n)


def _one_direction(encoder, x: torch.Tensor, layer: int, direction: int) -> torch.Tensor:
    """One layer, one direction of `encoder.rnn`, run as a unidirectional 1-layer RNN on (B, T, in)."""
    suffix = "_reverse" if direction == 1 else ""
    params = [getattr(encoder.rnn, f"{w}_l{layer}{suffix}") for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    h0 = x.new_zeros(1, x.size(0), encoder.cfg.hidden_size)
    hx = (h0, h0) if encoder.cfg.rnn == "lstm" else h0
    return RNN_KERNELS[encoder.cfg.rnn](x, hx, params, True, 1, 0.0, encoder.training, False, True)[0]


def _gather_steps(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x (B, T, F), index (B, T) -> x[b, index[b, t]] (B, T, F)."""
    return x.gather(1, index.unsqueeze(-1).expand_as(x))
