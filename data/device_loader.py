"""`train.device_data`: a split put on the device once, batches sliced there (no per-step collate or copy).

The batches are `make_loader`'s, tensor for tensor: the same `BucketBatchSampler` picks the sentences, and one
`collate` of the whole split, padded to its longest sentence (and word), is cut to each batch's longest sentence
(and word, at most MAX_WORD_LEN): exactly the padding `collate` gives the batch alone. Each epoch's sentence ids go
to the device in one copy; a step then only indexes device tensors with sizes known on the host (no sync).
Lengths stay on the CPU, as in every `Batch` (pinned on CUDA, so the reversed path's copy does not sync).

The char-CNN's distinct spellings (`data.chars.spellings`, torch.unique over a batch's char rows) are found on
the host too: every distinct word of the split gets a row of a device table, numbered in torch.unique's order
(sorted; one torch.unique over the split's word slots), so a batch's distinct rows are the sorted distinct row
numbers of its slots, a small torch.unique on the host per batch, all of an epoch's sent in two more copies.
Memory: the split's padded tensors, e.g. UD EWT train with its char ids: 12.5k x 159 x 20 int64, ~320 MB, and a
host table of row numbers, 12.5k x 159 int64.
"""
from __future__ import annotations

from typing import Callable

import torch

from .batching import INPUT_COLUMNS, MAX_WORD_LEN, Batch, BucketBatchSampler, collate, length_mask


class DeviceLoader:
    """Iterates `Batch`es on ``device`` in the order of ``batch_sampler`` (a `BucketBatchSampler`)."""

    def __init__(self, ds, batch_sampler: BucketBatchSampler, device: torch.device):
        self.batch_sampler, self.device = batch_sampler, torch.device(device)
        examples = ds.select_columns([c for c in INPUT_COLUMNS if c in ds.column_names]).to_list()
        split = collate(examples, find_spellings=False)       # (N, T_max) ..., lengths (N,)
        self.lengths = split.lengths.tolist()
        self.word_len = ([min(MAX_WORD_LEN, max(map(len, ex["chars"]))) for ex in examples]  # per sentence
                         if split.chars is not None else None)
        if split.chars is not None:
            table, self.rows = spelling_rows(split.chars, split.lengths)  # (S, C_max), (N, T_max) on the host
            self.table = table.to(self.device)
        self.split = split.to(self.device)                     # lengths stay on the CPU

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def __iter__(self):
        batches = list(self.batch_sampler)                     # this epoch's sentence ids, on the host
        if not batches:
            return
        flat = self._to_device(torch.tensor([i for b in batches for i in b]))  # one copy per epoch
        words = self._spellings(batches) if self.split.chars is not None else None
        start = 0
        for ids in batches:
            batch = self._slice(ids, flat[start: start + len(ids)])
            if words is not None:
                batch.spellings, batch.spelling_ids = next(words)
                batch.spellings = batch.spellings[:, :batch.chars.size(2)]           # (U, C)
            yield batch
            start += len(ids)

    def _slice(self, ids: list[int], on_device: torch.Tensor) -> Batch:
        """The batch of sentences ``ids`` (``on_device``: the same ids as a device tensor), padded as `collate`
        pads it alone: to its longest sentence T and longest word C."""
        s, T = self.split, max(self.lengths[i] for i in ids)
        pick = lambda t: None if t is None else t[on_device, :T]  # noqa: E731  (B, T[, C_max])
        chars = pick(s.chars)
        if chars is not None:
            chars = chars[:, :, :max(self.word_len[i] for i in ids)]                  # (B, T, C)
        labels = None if s.labels is None else s.labels[on_device]                   # (B,)
        lengths = s.lengths[ids]
        return Batch(pick(s.tokens), lengths.pin_memory() if self.device.type == "cuda" else lengths, labels,
                     pick(s.tags), chars)

    def _spellings(self, batches: list[list[int]]):
        """Per batch, (the table's rows of its distinct words (U, C_max), each slot's row among them (B, T)), as
        `data.chars.spellings` finds them; found on the host, sent in two copies for the epoch."""
        found = [torch.unique(self.rows[ids, :max(self.lengths[i] for i in ids)], return_inverse=True)
                 for ids in batches]                                          # [((U,) sorted rows, (B, T)), ...]
        distinct = self._to_device(torch.cat([u for u, _ in found]))
        index = self._to_device(torch.cat([i.reshape(-1) for _, i in found]))
        u0 = i0 = 0
        for u, i in found:
            yield self.table[distinct[u0: u0 + len(u)]], index[i0: i0 + i.numel()].view(i.shape)
            u0, i0 = u0 + len(u), i0 + i.numel()

    def _to_device(self, t: torch.Tensor) -> torch.Tensor:
        cuda = self.device.type == "cuda"
        return (t.pin_memory() if cuda else t).to(self.device, non_blocking=cuda)


def spelling_rows(chars: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A split's padded char ids (N, T_max, C) -> (its distinct words (S, C) as torch.unique sorts them, the all-pad
    row first; each word slot's row among them (N, T_max), 0 at the padded slots)."""
    real = length_mask(lengths, chars.size(1))                                        # (N, T_max)
    words = torch.cat([chars.new_zeros(1, chars.size(2)), chars[real]])              # the pad row, every word slot
    table, index = torch.unique(words, dim=0, return_inverse=True)                    # all zeros sorts first: row 0
    rows = torch.zeros(real.shape, dtype=torch.int64)
    rows[real] = index[1:]
    return table, rows


def make_device_loader(ds, batch_size: int, shuffle: bool, device, seed: int = 0,
                       sampler: Callable[..., BucketBatchSampler] = BucketBatchSampler) -> DeviceLoader:
    """`make_loader`'s batches (the same sampler and arguments) from ``ds`` put on ``device`` once."""
    return DeviceLoader(ds, sampler(ds["length"], batch_size, shuffle=shuffle, seed=seed), device)
