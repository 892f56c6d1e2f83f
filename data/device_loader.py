"""`train.device_data`: a split put on the device once, batches sliced there (no per-step collate or copy).

The batches are `make_loader`'s, tensor for tensor: the same `BucketBatchSampler` picks the sentences, and one
`collate` of the whole split, padded to its longest sentence (and word), is cut to each batch's longest sentence
(and word, at most MAX_WORD_LEN): exactly the padding `collate` gives the batch alone. Each epoch's sentence ids go
to the device in one copy; a step then only indexes device tensors with sizes known on the host (no sync).
Lengths stay on the CPU, as in every `Batch` (pinned on CUDA, so the reversed path's copy does not sync).

The char-CNN's distinct spellings (`data.batching.spellings`, torch.unique over a batch's char rows) are found on
the host too: every distinct word of the split gets a row of a device table, numbered in torch.unique's order
(sorted), so a batch's distinct rows are the sorted distinct row numbers of its slots, a small torch.unique on the
host per batch, all of an epoch's sent in one more copy. Memory: the split's padded tensors, e.g. UD EWT train
with its char ids: 12.5k x 159 x 20 int64, ~320 MB, and a host table of row numbers, 12.5k x 159 int64.
"""
from __future__ import annotations

import torch

from .batching import INPUT_COLUMNS, MAX_WORD_LEN, Batch, BucketBatchSampler, collate, length_mask, pad
from .vocab import PAD_ID


class DeviceLoader:
    """Iterates `Batch`es on ``device`` in the order of ``batch_sampler`` (a `BucketBatchSampler`)."""

    def __init__(self, ds, batch_sampler: BucketBatchSampler, device: torch.device):
        self.batch_sampler, self.device = batch_sampler, torch.device(device)
        examples = ds.select_columns([c for c in INPUT_COLUMNS if c in ds.column_names]).to_list()
        self.split = collate(examples, find_spellings=False).to(self.device)  # (N, T_max) ..., lengths on the CPU
        self.lengths = self.split.lengths.tolist()
        self.word_len = ([min(MAX_WORD_LEN, max(map(len, ex["chars"]))) for ex in examples]  # per sentence
                         if self.split.chars is not None else None)
        if self.split.chars is not None:
            self.table, self.rows = spelling_rows([ex["chars"] for ex in examples], self.split.lengths)
            self.table = self.table.to(self.device)                  # (S, C_max) every distinct word, sorted

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
        `data.batching.spellings` finds them; found on the host, sent in two copies for the epoch."""
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


def spelling_rows(chars: list[list[list[int]]], lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every sentence's words as char ids -> (the split's distinct words padded, (S, C_max), in torch.unique's
    order, the all-pad row first; each word slot's row in it, (N, T_max), 0 at padded slots).

    torch.unique sorts PAD-padded rows lexicographically; PAD_ID (0) is below every character id, so that is
    the order of the unpadded id tuples, shorter prefix first, which `sorted` gives.
    """
    words = [tuple(w[:MAX_WORD_LEN]) for sentence in chars for w in sentence]
    table = sorted(set(words) | {()})                                               # () : the all-pad row, first
    number = {w: r for r, w in enumerate(table)}
    rows = torch.zeros(len(chars), int(lengths.max()), dtype=torch.int64)         # (N, T_max), 0: the pad row
    rows[length_mask(lengths)] = torch.tensor([number[w] for w in words], dtype=torch.int64)
    padded = pad([list(w) for w in table], torch.tensor([len(w) for w in table]), PAD_ID)  # (S, C_max)
    return padded, rows


def make_device_loader(ds, batch_size: int, shuffle: bool, device, seed: int = 0, num_replicas: int = 1,
                       rank: int = 0) -> DeviceLoader:
    """`make_loader`'s batches (the same sampler and arguments) from ``ds`` put on ``device`` once."""
    sampler = BucketBatchSampler(ds["length"], batch_size, shuffle=shuffle, seed=seed, num_replicas=num_replicas,
                                 rank=rank)
    return DeviceLoader(ds, sampler, device)
