"""Checkpoints are data, not pickled modules: dicts of tensors, numbers, strings and lists, written atomically and
loaded with ``torch.load(weights_only=True)``, which refuses pickled objects."""
from __future__ import annotations

import os
import pickle
import random
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np
import torch
from errors import CheckpointError


RUN_KEYS = ("model", "config", "task", "words", "labels")  # what best.pt holds: enough to rebuild the model


def save_checkpoint(obj: dict, path: str | Path) -> None:
    write_atomic(path, lambda f: torch.save(obj, f), "the checkpoint")


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object], what: str = "") -> None:
    """``write(f)`` into a temporary file beside ``path`` (``.NAME.XXXX.tmp``), flush, fsync, then ``os.replace``:
    a crash mid-write keeps the previous file, a symbolic link at ``path`` is replaced, never written through. An
    OSError (disk full, read-only directory) names ``path`` and leaves no temporary file."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        cause = e  # torch.save reports a full disk as RuntimeError("unexpected pos ..."), the OSError its context
        while cause is not None and not isinstance(cause, OSError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise OSError(cause.errno, f"{path}: cannot write{' ' + what if what else ''}: "
                                       f"{cause.strerror or cause}") from e
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)  # make the rename itself durable
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_checkpoint(path: str | Path, required: tuple[str, ...] = RUN_KEYS) -> dict:
    """The checkpoint dict at ``path``, on the CPU; anything else raises one line naming the path and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no checkpoint there")
    size = path.stat().st_size
    if size == 0:
        raise CheckpointError(f"{path}: empty file (0 bytes), not a checkpoint (a save that never finished?)")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        with open(path, "rb") as f:
            head = f.read(2)
        if head != b"PK" and head[:1] != b"\x80":  # neither a torch.save zip archive nor a pickle
            raise CheckpointError(f"{path}: not a PyTorch checkpoint (neither a torch.save zip archive nor "
                                  f"a pickle)") from None
        raise CheckpointError(f"{path}: refused to load: it holds pickled Python objects, not plain data "
                              f"(torch.load weights_only=True): {_gist(e, 'GLOBAL', 'Unsupported')}") from None
    except (RuntimeError, OSError, EOFError, KeyError) as e:
        detail = f"{type(e).__name__}: {_gist(e)}" if str(e) else type(e).__name__
        raise CheckpointError(f"{path}: truncated or corrupt checkpoint, {size:,} bytes "
                              f"(torch.load: {detail})") from None
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: holds a {type(obj).__name__}, not a checkpoint dict")
    missing = [k for k in required if k not in obj]
    if missing:
        raise CheckpointError(f"{path}: not a checkpoint of this project's train.py: no "
                              f"{', '.join(map(repr, missing))} (keys: {', '.join(map(str, obj)) or 'none'})")
    return obj


def _gist(e: Exception, *words: str) -> str:
    """The first sentence of the line of torch's long message with any of ``words`` (else of its first line)."""
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    line = next((line for line in lines if any(w in line for w in words)), lines[0])
    return line.split(". ")[0].rstrip(".")


def rng_state() -> dict:
    """Every RNG a run draws from, as plain data (python's state as lists, numpy's as arrays -> tensors); a resume
    puts them back (`training.resume.set_rng_state`)."""
    version, internal, gauss = random.getstate()
    np_state = np.random.get_state()
    return {"python": [list(internal), version, gauss],
            "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []}
