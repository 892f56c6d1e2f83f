"""`train.device_data`: a split put on the device once, batches sliced there (no per-step collate or copy).

The batches are `make_loader`'s, tensor for tensor: the same `BucketBatchSampler` picks the sentences, and one
`collate` of the whole split, padded to its longest sentence (and word), is cut to each batch's longest sentence
(and word, at most MAX_WORD_LEN): exactly the padding `collate` gives the batch alone. Each epoch's sentence ids go
to the device in one copy; a step then only indexes device tensors with sizes known on the host (no sync).
Lengths stay on the CPU, as in every `Batch`. Memory: the split's padded tensors, e.g. UD EWT train with its
char ids: 12.5k x 159 x 20 int64, ~320 MB.
"""
from __future__ import annotations

import torch

from .batching import INPUT_COLUMNS, MAX_WORD_LEN, Batch, BucketBatchSampler, collate


class DeviceLoader:
    """Iterates `Batch`es on ``device`` in the order of ``batch_sampler`` (a `BucketBatchSampler`)."""

    def __init__(self, ds, batch_sampler: BucketBatchSampler, device: torch.device):
        self.batch_sampler, self.device = batch_sampler, torch.device(device)
        examples = ds.select_columns([c for c in INPUT_COLUMNS if c in ds.column_names]).to_list()
        self.split = collate(examples).to(self.device)       # (N, T_max) ..., lengths (N,) on the CPU
        self.lengths = self.split.lengths.tolist()
        self.word_len = ([min(MAX_WORD_LEN, max(map(len, ex["chars"]))) for ex in examples]  # per sentence
                         if self.split.chars is not None else None)

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def __iter__(self):
        batches = list(self.batch_sampler)                     # this epoch's sentence ids, on the host
        if not batches:
            return
        flat = torch.tensor([i for b in batches for i in b], device=self.device)  # one copy per epoch
        start = 0
        for ids in batches:
            yield self._slice(ids, flat[start: start + len(ids)])
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
        return Batch(pick(s.tokens), s.lengths[ids], labels, pick(s.tags), chars)


def make_device_loader(ds, batch_size: int, shuffle: bool, device, seed: int = 0, num_replicas: int = 1,
                       rank: int = 0) -> DeviceLoader:
    """`make_loader`'s batches (the same sampler and arguments) from ``ds`` put on ``device`` once."""
    sampler = BucketBatchSampler(ds["length"], batch_size, shuffle=shuffle, seed=seed, num_replicas=num_replicas,
                                 rank=rank)
    return DeviceLoader(ds, sampler, device)
