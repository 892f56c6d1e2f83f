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
from typing import Optional

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from errors import check_ranges, needs_part
from data.vocab import PAD_ID, UNK_ID

RNN_TYPES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
RNN_PATHS = {"packed": None, "reversed": "models.reversed"}  # model.rnn_path -> its module (a part: README, "Parts")


@dataclass
class EncoderConfig:
    rnn: str = "lstm"           # lstm | gru | rnn
    embed_dim: int = 100
    hidden_size: int = 256      # per direction
    num_layers: int = 2
    bidirectional: bool = True
    dropout: float = 0.33       # on embeddings, between RNN layers, and on the encoder's outputs
    word_dropout: float = 0.0   # training only: replace a token id by <unk> with this probability
    rnn_path: str = "packed"    # packed: pack_padded_sequence (the reference); reversed: the same weights on the
                                # padded batch, backward direction on each sentence reversed in place (faster on CPU)
    char_filters: int = 0       # > 0: a character CNN (a part) adds this many features to each word's embedding
    char_dim: int = 30          # character embedding size (char-CNN only)
    char_kernel: int = 3        # characters per convolution window, odd (char-CNN only)
    vectors: Optional[str] = None  # pretrained word vectors to start the vocabulary's words from (docs/data.md)
    freeze_vectors: bool = False   # with vectors: the word embedding is never trained (Kim's "static")
    vectors_vocab: int = 0         # with vectors: the vectors' first N words that train lacks join the vocabulary,
                                   # frozen (docs/data.md); 0: train's words only

    def __post_init__(self):
        if self.rnn not in RNN_TYPES:
            raise ValueError(f"model.rnn must be one of {sorted(RNN_TYPES)}, got {self.rnn!r}")
        if self.rnn_path not in RNN_PATHS:
            raise ValueError(f"model.rnn_path must be one of {tuple(RNN_PATHS)}, got {self.rnn_path!r}")
        check_ranges("model", self, {"embed_dim": ">= 1", "hidden_size": ">= 1", "num_layers": ">= 1",
                                     "char_filters": ">= 0", "char_dim": ">= 1", "char_kernel": ">= 1",
                                     "vectors_vocab": ">= 0", "dropout": "[0, 1)", "word_dropout": "[0, 1)"})
        if (self.freeze_vectors or self.vectors_vocab) and not self.vectors:
            raise ValueError("model.freeze_vectors and model.vectors_vocab are for pretrained vectors: set "
                             "model.vectors")
        if self.char_kernel % 2 != 1:
            raise ValueError(f"model.char_kernel must be odd (a window centred on each character), "
                             f"got {self.char_kernel}")
        if self.char_filters:  # the char-CNN is a part: checked here, before any data is read for it
            needs_part("models.char_cnn", f"model.char_filters={self.char_filters}")


class Encoder(nn.Module):
    """Word embedding (+ char-CNN features) -> packed (bi)RNN -> per-token ``output`` and the sentence vector from
    ``h_n``. ``num_chars``: the character vocabulary's size (char-CNN only). ``frozen_words``: the vocabulary's last
    words, known only to pretrained vectors: the never-trained buffer ``frozen_embedding`` (F, E) (docs/data.md).
    """

    def __init__(self, vocab_size: int, cfg: EncoderConfig, num_chars: int = 0, frozen_words: int = 0):
        super().__init__()
        self.cfg = cfg
        self.num_directions = 2 if cfg.bidirectional else 1
        self.output_size = self.num_directions * cfg.hidden_size  # D*H
        self.embedding = nn.Embedding(vocab_size - frozen_words, cfg.embed_dim, padding_idx=PAD_ID)
        self.embedding.weight.requires_grad_(not cfg.freeze_vectors)
        self.register_buffer("frozen_embedding", torch.zeros(frozen_words, cfg.embed_dim) if frozen_words else None)
        self.char_cnn = None
        if cfg.char_filters > 0:
            from .char_cnn import CharCNN  # only an encoder with a char-CNN reads models/char_cnn.py
            self.char_cnn = CharCNN(num_chars, cfg.char_dim, cfg.char_filters, cfg.char_kernel, cfg.dropout)
        self.rnn = RNN_TYPES[cfg.rnn](
            cfg.embed_dim + cfg.char_filters, cfg.hidden_size, num_layers=cfg.num_layers,
            bidirectional=cfg.bidirectional, dropout=cfg.dropout if cfg.num_layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor, chars: Optional[torch.Tensor] = None,
                spellings: Optional[tuple[torch.Tensor, torch.Tensor]] = None):
        """tokens (B, T) int64, PAD_ID after each sentence's end; lengths (B,) int64 on the CPU, each >= 1; chars,
        spellings: the char-CNN's input (`Batch.chars`, `Batch.distinct_spellings`), else ignored. Returns
            output: (B, T, D*H) last layer at every step; zeros at padded steps.
            sentence: (B, D*H) cat(h_n[-2], h_n[-1]) (last layer, forward then backward); h_n[-1] if D == 1.
        """
        if self.training and self.cfg.word_dropout > 0:
            drop = torch.rand(tokens.shape, device=tokens.device) < self.cfg.word_dropout
            tokens = tokens.masked_fill(drop & (tokens != PAD_ID), UNK_ID)
        x = self.embed(tokens)                                                    # (B, T, E)
        if self.char_cnn is not None:
            x = torch.cat([x, self.char_cnn(chars, spellings)], dim=-1)           # (B, T, E + F)
        x = self.dropout(x)
        output, h_n = self.run(x, lengths)                   # (B, T, D*H), (D*L, B, H)
        sentence = torch.cat([h_n[-2], h_n[-1]], dim=-1) if self.num_directions == 2 else h_n[-1]  # (B, D*H)
        return self.dropout(output), self.dropout(sentence)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, T) ids -> (B, T, E): trained rows from ``embedding``, ids past them from ``frozen_embedding``."""
        if self.frozen_embedding is None:
            return self.embedding(tokens)
        trained = self.embedding.num_embeddings
        x = self.embedding(tokens.clamp(max=trained - 1))                       # (B, T, E)
        extra = nn.functional.embedding((tokens - trained).clamp(min=0), self.frozen_embedding)  # (B, T, E)
        return torch.where((tokens < trained).unsqueeze(-1), x, extra)

    def run(self, x: torch.Tensor, lengths: torch.Tensor):
        """(B, T, E) -> output (B, T, D*H), h_n (D*L, B, H), by the path model.rnn_path names."""
        if self.cfg.rnn_path == "packed":
            return self.run_packed(x, lengths)
        return needs_part(RNN_PATHS[self.cfg.rnn_path], f"model.rnn_path={self.cfg.rnn_path}").run(self, x, lengths)

    def run_packed(self, x: torch.Tensor, lengths: torch.Tensor):
        """The reference: (B, T, E) -> output (B, T, D*H) zero at pads, h_n (D*L, B, H) at each last real step."""
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        packed_out, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state                    # LSTM: (h_n, c_n)
        output, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=x.size(1))
        return output, h_n  # enforce_sorted=False has put h_n back in the caller's batch order
