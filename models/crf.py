"""A linear-chain CRF over per-token emission scores, for BIO tagging.

A path y_0..y_{n-1} through a sentence of n real tokens scores

    start[y_0] + sum_t emissions[t, y_t] + sum_{t>=1} transitions[y_{t-1}, y_t] + end[y_{n-1}]

and p(y | x) = exp(score(y)) / Z. ``log_partition`` is log Z (forward algorithm), ``nll`` the mean of
log Z - score(gold), ``viterbi`` the best path. Every method is batched: one loop over time steps, none over
sentences. Padding is right-padding: at a padded step the forward scores are carried over unchanged and the
Viterbi back-pointer is the identity, so a sentence gives the same result alone or in any padded batch.

Why not pytorch-crf (``torchcrf``): 0.7.2 (2019, unmaintained) still imports and runs on torch 2.13, but it
crashes on the -100 label padding our collate uses, sums rather than averages by default, backtracks in a
Python loop over the batch, has no transition constraints, and its wheel also installs a stray top-level
``crf`` package. The whole algorithm is ~80 lines here, tested against brute-force enumeration.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

FORBIDDEN = -1e4  # a forbidden transition's score: exp() underflows to 0, yet 0 * FORBIDDEN and its grads stay finite


def iob2_transition_mask(tag_names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Strict IOB2: ``I-X`` may only follow ``B-X`` or ``I-X`` and may not start a sentence.

    Any tag not starting with ``B-``/``I-`` (``O``, specials) is unconstrained.
    Returns:
        allowed: (K, K) bool, allowed[i, j] is True when tag j may follow tag i.
        allowed_start: (K,) bool, True when the tag may be a sentence's first.
    """
    K = len(tag_names)
    allowed = torch.ones(K, K, dtype=torch.bool)
    allowed_start = torch.ones(K, dtype=torch.bool)
    for j, to in enumerate(tag_names):
        if not to.startswith("I-"):
            continue
        allowed_start[j] = False
        for i, frm in enumerate(tag_names):
            allowed[i, j] = frm in ("B-" + to[2:], to)
    return allowed, allowed_start


class CRF(nn.Module):
    """Linear-chain CRF with learned ``transitions (K, K)`` [from i to j], ``start (K,)``, ``end (K,)``.

    Args:
        num_tags: K.
        allowed: optional (K, K) bool; False transitions score FORBIDDEN in training and decoding alike
            (so a gold path that breaks them gets a huge loss: give the CRF valid gold tags).
        allowed_start: optional (K,) bool; False tags may not start a sentence.
    Inputs throughout: emissions (B, T, K) float, mask (B, T) bool, True at real tokens, right-padded, every
    sentence at least 1 token long; tags (B, T) int64, any value (e.g. -100) at padded positions.
    """

    def __init__(self, num_tags: int, allowed: Optional[torch.Tensor] = None,
                 allowed_start: Optional[torch.Tensor] = None):
        super().__init__()
        self.num_tags = num_tags
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))  # (K, K)
        self.start = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))                  # (K,)
        self.end = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))                    # (K,)
        # Always registered (zeros when unconstrained) so every CRF has the same state_dict keys.
        self.register_buffer("transition_penalty", _penalty(allowed, (num_tags, num_tags)))   # (K, K)
        self.register_buffer("start_penalty", _penalty(allowed_start, (num_tags,)))           # (K,)

    def _scores(self) -> tuple[torch.Tensor, torch.Tensor]:
        """transitions (K, K) and start (K,) with the constraint penalties added."""
        return self.transitions + self.transition_penalty, self.start + self.start_penalty

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log Z by the forward algorithm: (B, T, K), (B, T) -> (B,)."""
        trans, start = self._scores()
        alpha = start + emissions[:, 0]                                               # (B, K)
        for t in range(1, emissions.size(1)):
            # (B, K_from, 1) + (K_from, K_to) + (B, 1, K_to) -> logsumexp over from -> (B, K_to)
            nxt = torch.logsumexp(alpha.unsqueeze(2) + trans + emissions[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)                   # pads carry alpha over
        return torch.logsumexp(alpha + self.end, dim=1)                               # (B,)

    def score(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Score of the given (gold) path: (B, T, K), (B, T), (B, T) -> (B,)."""
        trans, start = self._scores()
        tags = tags.masked_fill(~mask, 0)                                              # (B, T) -100 -> 0
        emit = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)                       # (B, T)
        step = trans[tags[:, :-1], tags[:, 1:]]                                        # (B, T-1)
        zero = emit.new_zeros(())
        last = tags.gather(1, (mask.sum(1, keepdim=True) - 1)).squeeze(1)             # (B,) last real tag
        return (start[tags[:, 0]] + torch.where(mask, emit, zero).sum(1)
                + torch.where(mask[:, 1:], step, zero).sum(1) + self.end[last])

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood over the batch: scalar, log Z - score(gold) averaged over sentences."""
        return (self.log_partition(emissions, mask) - self.score(emissions, tags, mask)).mean()

    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Viterbi, as tensors.

        Returns:
            tags: (B, T) int64 best path, -100 at padded positions (the label padding of `data.batching`).
            scores: (B,) the best path's score.
        """
        trans, start = self._scores()
        B, T, K = emissions.shape
        identity = torch.arange(K, device=emissions.device).expand(B, K)               # (B, K)
        delta, backptrs = start + emissions[:, 0], []                                  # (B, K)
        for t in range(1, T):
            best, arg = (delta.unsqueeze(2) + trans).max(dim=1)                        # (B, K_to) each
            real = mask[:, t].unsqueeze(1)                                             # (B, 1)
            delta = torch.where(real, best + emissions[:, t], delta)
            backptrs.append(torch.where(real, arg, identity))  # identity at pads: the last real tag carries back
        scores, tag = (delta + self.end).max(dim=1)                                    # (B,), (B,)
        path = [tag]
        for arg in reversed(backptrs):
            tag = arg.gather(1, tag.unsqueeze(1)).squeeze(1)                           # (B,)
            path.append(tag)
        tags = torch.stack(path[::-1], dim=1)                                          # (B, T)
        return tags.masked_fill(~mask, -100), scores

    def viterbi(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Best path per sentence, each as long as its sentence: (B, T, K), (B, T) -> B lists of tag ids."""
        tags, _ = self.decode(emissions, mask)
        return [row[:n] for row, n in zip(tags.tolist(), mask.sum(1).tolist())]


def _penalty(allowed: Optional[torch.Tensor], shape: tuple[int, ...]) -> torch.Tensor:
    """bool mask (or None: all allowed) -> float additive penalty, 0 where allowed, FORBIDDEN elsewhere."""
    if allowed is None:
        return torch.zeros(shape)
    if tuple(allowed.shape) != shape:
        raise ValueError(f"constraint mask has shape {tuple(allowed.shape)}, expected {shape}")
    return torch.where(allowed.bool(), 0.0, FORBIDDEN)
