"""Batches: the one collate function (all padding happens here) and a length-bucketing sampler."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Callable, Optional

import torch

from .vocab import PAD_ID

LABEL_PAD = -100  # ignored by F.cross_entropy(ignore_index=-100), for tagging and classification alike
MAX_WORD_LEN = 20  # characters kept per word for the char-CNN (longer words keep their first 20)
INPUT_COLUMNS = ("ids", "chars", "tag_ids", "label_ids")  # what collate reads from a numericalised dataset
EVAL_BATCH_SIZE = 256  # sentences per evaluation batch (no gradients: larger than training's, same results)


def length_mask(lengths: torch.Tensor, max_len: int | None = None, device=None) -> torch.Tensor:
    """(B,) lengths -> (B, T) bool, True at real steps; T = max_len or the longest; ``device``: a non-blocking copy."""
    lengths = lengths.to(device, non_blocking=True) if device is not None else lengths
    steps = torch.arange(int(lengths.max()) if max_len is None else max_len, device=lengths.device)  # (T,)
    return steps < lengths.unsqueeze(1)                                                             # (B, T)


@dataclass
class Batch:
    tokens: torch.Tensor   # (B, T) int64, PAD_ID after each sentence's end
    lengths: torch.Tensor  # (B,) int64, always on the CPU (pack_padded_sequence wants it there)
    labels: Optional[torch.Tensor] = None  # (B,) one label per sentence (classification, joint intent); None: none
    tags: Optional[torch.Tensor] = None    # (B, T) one tag per token (tagging, joint slots), -100 at pads; None: none
    chars: Optional[torch.Tensor] = None   # (B, T, C) int64 character ids, PAD_ID-padded; None: no char features
    spellings: Optional[torch.Tensor] = None     # (U, C) the batch's distinct rows of chars, sorted (torch.unique's)
    spelling_ids: Optional[torch.Tensor] = None  # (B, T) each slot's row in spellings; None: found in the step (a sync)

    @property
    def mask(self) -> torch.Tensor:
        """(B, T) bool, True at real tokens."""
        return self.tokens != PAD_ID

    def to(self, device) -> "Batch":
        nb = torch.device(device).type == "cuda"
        return self._map(lambda t: t.to(device, non_blocking=nb), keep="lengths")

    def pin_memory(self) -> "Batch":
        """Page-locked copies (DataLoader(pin_memory=True) calls this), so `.to("cuda")` can overlap compute."""
        return self._map(torch.Tensor.pin_memory)

    def _map(self, fn, keep: str = "") -> "Batch":
        return Batch(**{k: v if v is None or k == keep else fn(v) for k, v in vars(self).items()})

    def gold(self) -> dict[str, list]:
        """{"label": [id, ...]} and/or {"tags": [[id, ...], ...]} cut to the lengths, as the models' ``predict``."""
        gold = {}
        if self.labels is not None:
            gold["label"] = self.labels.tolist()
        if self.tags is not None:
            gold["tags"] = [row[:n] for row, n in zip(self.tags.tolist(), self.lengths.tolist())]
        return gold

    @property
    def distinct_spellings(self) -> Optional[tuple[torch.Tensor, torch.Tensor]]:  # the char-CNN's argument
        return None if self.spellings is None else (self.spellings, self.spelling_ids)


def collate(examples: list[dict], find_spellings: bool = True) -> Batch:
    """[{"ids", "chars"?, "tag_ids"?, "label_ids"?}] -> Batch; ``find_spellings``: `data.chars.add_chars`'."""
    lengths = torch.tensor([len(ex["ids"]) for ex in examples], dtype=torch.int64)
    if int(lengths.min()) == 0:  # pack_padded_sequence cannot take a zero-length sequence
        raise ValueError("an empty sentence (0 tokens) reached collate; readers must drop or reject it")
    batch = Batch(pad([ex["ids"] for ex in examples], lengths, PAD_ID), lengths)           # tokens (B, T)
    first = examples[0]
    if "tag_ids" in first:  # one label per token
        batch.tags = pad([ex["tag_ids"] for ex in examples], lengths, LABEL_PAD)                # (B, T)
    if "label_ids" in first:  # one label per sentence
        batch.labels = torch.tensor([ex["label_ids"] for ex in examples], dtype=torch.int64)  # (B,)
    if "chars" in first:  # the char-CNN's input (a part: data/chars.py)
        from .chars import add_chars
        add_chars(batch, [ex["chars"] for ex in examples], find_spellings)
    return batch


def pad(rows: list[list[int]], lengths: torch.Tensor, value: int) -> torch.Tensor:
    """Ragged rows -> (B, max length) int64 padded with ``value``: one scatter, not a loop over rows (docs/speed.md)."""
    real = length_mask(lengths)                                                   # (B, T)
    out = torch.full(real.shape, value, dtype=torch.int64)                        # (B, T)
    out[real] = torch.tensor(list(chain.from_iterable(rows)), dtype=torch.int64)  # (sum of lengths,)
    return out


class BucketBatchSampler(torch.utils.data.Sampler):
    """Batches of similar length (little padding), in random order: each epoch shuffles all indices, sorts pools of
    ``pool_factor`` batches by length, cuts them into batches and shuffles those, from (seed, epoch) alone.
    ``shuffle=False``: sorted by length (evaluation). Under torchrun: `training.distributed.ShardedBatchSampler`."""

    def __init__(self, lengths: list[int], batch_size: int, shuffle: bool = True, seed: int = 0,
                 pool_factor: int = 50):
        self.lengths, self.batch_size, self.shuffle = list(lengths), batch_size, shuffle
        self.seed, self.pool_factor, self.epoch, self.start = seed, pool_factor, 0, 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        """Batches depend only on (seed, epoch); `start`: skip that many (an exact mid-epoch resume)."""
        self.epoch, self.start = epoch, start

    def sorted_batches(self) -> list[list[int]]:  # evaluation's
        order = sorted(range(len(self.lengths)), key=self.lengths.__getitem__)
        return [order[i: i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def pooled_batches(self, g: torch.Generator) -> list[list[int]]:
        """The epoch's batches, pool by pool, from indices shuffled by ``g``."""
        n, pool = len(self.lengths), self.batch_size * self.pool_factor
        perm = torch.randperm(n, generator=g).tolist()
        batches = []
        for start in range(0, n, pool):
            chunk = sorted(perm[start: start + pool], key=self.lengths.__getitem__)
            batches += [chunk[i: i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        return batches

    def __iter__(self):
        if not self.shuffle:
            yield from self.sorted_batches()
            return
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        batches = self.pooled_batches(g)
        for j in torch.randperm(len(batches), generator=g).tolist()[self.start:]:
            yield batches[j]

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size


def make_loader(ds, batch_size: int, shuffle: bool, seed: int = 0, pin_memory: bool = False, num_workers: int = 0,
                sampler: Callable[..., BucketBatchSampler] = BucketBatchSampler) -> torch.utils.data.DataLoader:
    """A DataLoader over a numericalised `datasets.Dataset` with length buckets and `collate` (``sampler``: under
    torchrun, this process's share). Its own generator: an epoch's start draws nothing from torch's global RNG
    (dropout's), so a resumed run replays the same dropout masks."""
    batch_sampler = sampler(ds["length"], batch_size, shuffle=shuffle, seed=seed)
    ds = ds.select_columns([c for c in INPUT_COLUMNS if c in ds.column_names])
    return torch.utils.data.DataLoader(ds, batch_sampler=batch_sampler, collate_fn=collate, pin_memory=pin_memory,
                                       num_workers=num_workers, persistent_workers=num_workers > 0,
                                       generator=torch.Generator().manual_seed(seed))
