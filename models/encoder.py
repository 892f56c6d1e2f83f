"""The one recurrent encoder shared by every task.

For a padded batch of B sentences (max length T) and an RNN with D directions, L layers, H units:

    output   (B, T, D*H)  last layer, every time step   -> what a token label reads
    h_n      (D*L, B, H)  every layer, last REAL step  -> what a sentence label reads
                          rows: layer0-fwd, layer0-bwd, layer1-fwd, layer1-bwd, ...

With packed input, for sentence i of length len_i:
    h_n[-2][i] == output[i, len_i - 1, :H]   (forward direction ends at the last real token)
    h_n[-1][i] == output[i, 0, H:]           (backward direction ends at the first token)
and output[i, T-1] is padding (zeros) whenever len_i < T. So the sentence vector is built from h_n,
never from output[:, -1].
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from data.vocab import PAD_ID, UNK_ID

RNN_TYPES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


@dataclass
class EncoderConfig:
    rnn: str = "lstm"           # lstm | gru | rnn
    embed_dim: int = 100
    hidden_size: int = 256      # per direction
    num_layers: int = 2
    bidirectional: bool = True
    dropout: float = 0.33       # on embeddings, between RNN layers, and on the encoder's outputs
    word_dropout: float = 0.0   # training only: replace a token id by <unk> with this probability

    def __post_init__(self):
        if self.rnn not in RNN_TYPES:
            raise ValueError(f"model.rnn must be one of {sorted(RNN_TYPES)}, got {self.rnn!r}")
        for name in ("dropout", "word_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"model.{name} must be in [0, 1), got {getattr(self, name)}")


class Encoder(nn.Module):
    """Embedding -> packed (bi)RNN. Returns per-token ``output`` and the sentence vector from ``h_n``."""

    def __init__(self, vocab_size: int, cfg: EncoderConfig):
        super().__init__()
        self.cfg = cfg
        self.num_directions = 2 if cfg.bidirectional else 1
        self.output_size = self.num_directions * cfg.hidden_size  # D*H
        self.embedding = nn.Embedding(vocab_size, cfg.embed_dim, padding_idx=PAD_ID)
        self.rnn = RNN_TYPES[cfg.rnn](
            cfg.embed_dim, cfg.hidden_size, num_layers=cfg.num_layers, bidirectional=cfg.bidirectional,
            dropout=cfg.dropout if cfg.num_layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor):
        """
        Args:
            tokens: (B, T) int64 word ids, PAD_ID after each sentence's end.
            lengths: (B,) int64 on the CPU, every length >= 1.
        Returns:
            output: (B, T, D*H) last layer at every step; zeros at padded steps.
            sentence: (B, D*H) cat(h_n[-2], h_n[-1]) (last layer, forward then backward); h_n[-1] if D == 1.
        """
        if self.training and self.cfg.word_dropout > 0:
            drop = torch.rand(tokens.shape, device=tokens.device) < self.cfg.word_dropout
            tokens = tokens.masked_fill(drop & (tokens != PAD_ID), UNK_ID)
        x = self.dropout(self.embedding(tokens))                                  # (B, T, E)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        packed_out, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state                    # LSTM: (h_n, c_n)
        output, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=tokens.size(1))  # (B, T, D*H)
        # h_n: (D*L, B, H) in the caller's batch order (enforce_sorted=False unsorts it for us)
        sentence = torch.cat([h_n[-2], h_n[-1]], dim=-1) if self.num_directions == 2 else h_n[-1]  # (B, D*H)
        return self.dropout(output), self.dropout(sentence)
