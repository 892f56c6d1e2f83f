"""CPU threads: chosen by the run's config (``train.threads``), never inherited from the environment.

Import this module before anything imports torch (every entry point does, first): it sets OpenMP's wait policy to
PASSIVE, which libgomp reads once, when torch loads it (idle threads that spin beside a busy process ran several
times slower: docs/speed.md); an explicit OMP_WAIT_POLICY in the environment is kept. ``train.threads: auto`` is a
fixed rule, not a probe at run time: one intra-op thread (faster than two for every size measured, docs/speed.md).
The thread count changes the arithmetic, so fixing it gives a config the same numbers whatever OMP_NUM_THREADS says.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # must precede `import torch` (here and in every entry point)

import torch  # noqa: E402

AUTO = 1  # threads for train.threads=auto (see the module docstring)


def resolve(threads: int | str) -> int:
    """``train.threads`` -> a thread count: ``"auto"`` -> AUTO, a number >= 1 -> itself."""
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
