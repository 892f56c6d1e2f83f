"""CPU threads: chosen by the run's config (``train.threads``), never inherited from the environment (they change
the arithmetic). Import this module before anything imports torch: it sets OpenMP's wait policy to PASSIVE, which
libgomp reads once, when torch loads it (an explicit OMP_WAIT_POLICY is kept). The measurements: docs/speed.md.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # must precede `import torch` (here and in every entry point)

import torch  # noqa: E402

AUTO = 1  # train.threads=auto: a fixed rule, one thread (faster than two for every size measured)


def resolve(threads: int | str) -> int:
    """``train.threads`` -> a thread count."""
    if threads == "auto":
        return AUTO
    if isinstance(threads, int) and threads >= 1:
        return threads
    raise ValueError(f"train.threads must be 'auto' or an integer >= 1, got {threads!r}")


def use(threads: int | str) -> int:
    """Set torch's intra-op thread count from ``train.threads``; returns the number used."""
    n = resolve(threads)
    torch.set_num_threads(n)
    return n
