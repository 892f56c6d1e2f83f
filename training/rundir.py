"""A run directory belongs to one run.

- `check`, before any work and writing nothing: a directory another training holds is refused (naming its
  pid); so is one that already holds a run or other files, unless ``--overwrite``; a ``--resume`` must keep
  the data and model settings of its last.pt, and that last.pt must agree with the run's config.yaml and
  best.pt (a checkpoint copied from another run is refused).
- `check_vocabs`, once the data is read: a resume must find the words and labels its last.pt was trained on.
- `claim`, when the work starts: create the directory, lock it (``fcntl.flock`` on RUN_DIR/.lock, which holds
  the pid; the kernel drops the lock when the process ends, however it ends), remove the temporary files of
  saves that were killed (``.last.pt.*.tmp``), and with ``--overwrite`` the previous run's files.
- `write_text`: a run file whose write fails (disk full, read-only) is named in the OSError.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

from omegaconf import OmegaConf

from .checkpoint import load_checkpoint

LOCK = ".lock"
TMP_FILES = ".*.pt.*.tmp"  # training/checkpoint.py's temporary names
RUN_FILES = ("*.pt", "metrics.json", "report_*.txt", "config.yaml", "events.out.tfevents.*", "projector_config.pbtxt")
RESUME_FREE = {"data.root"}  # where the files are, not what they are: a resume may move them
_held: dict[Path, int] = {}  # run dir -> fd of its lock, for the trainings of this process


class RunDirError(RuntimeError):
    """A run directory that this training may not use; the message names it and says what to do."""


def check(run_dir: Path, resume: dict | None, cfg: dict, overwrite: bool) -> None:
    """Refuse ``run_dir`` if another training holds it, if it holds something (unless ``overwrite`` or resuming),
    or if ``resume`` (last.pt) does not belong to it or to ``cfg`` (the config dict). Writes nothing."""
    release(run_dir)  # a lock this process still holds comes from a training that raised (one at a time)
    if (pid := _holder(run_dir)) is not None:
        raise RunDirError(f"{run_dir}: another training is using it (pid {pid}); wait for it to end, or choose "
                          f"another --run-dir")
    if resume is None:
        if not overwrite:
            _check_unused(run_dir)
        return
    for section in ("data", "model"):
        for key in _differing(section, cfg, resume["config"]):
            now, then = cfg[section].get(key), resume["config"][section].get(key)
            raise RunDirError(f"--resume {run_dir}: {section}.{key} is {now!r} here but {then!r} in its last.pt; "
                              f"a resume trains the same model on the same data (only train.* settings may "
                              f"change): start a new run for this")
    _check_belongs(run_dir, resume)


def check_vocabs(run_dir: Path, vocabs, resume: dict) -> None:
    """The vocabularies built from the data now must be those of last.pt (else its ids would mean other words
    and labels, or point past the model's outputs)."""
    now = vocabs.to_dict()
    for key in ("labels", "words", "chars"):
        if now[key] != resume[key]:
            raise RunDirError(f"--resume {run_dir}: the training data is not the data of its last.pt: "
                              f"{_difference(key, now[key], resume[key])}; resume with that data, or start a new run")


def claim(run_dir: Path, resuming: bool, overwrite: bool) -> None:
    """Create and lock ``run_dir`` for this training; remove killed saves' temporary files (and with
    ``overwrite`` the previous run's files). Raises RunDirError if it cannot be created or another holds it."""
    release(run_dir)  # a lock this process still holds comes from a training that raised (one at a time)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise RunDirError(f"{run_dir}: cannot create the run directory or its lock file: {e.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RunDirError(f"{run_dir}: another training is using it (pid {_read_pid(run_dir)}); wait for it to "
                          f"end, or choose another --run-dir") from None
    _held[run_dir.resolve()] = fd
    if not (resuming or overwrite):
        _check_unused(run_dir)  # again, under the lock: another training may have finished here meanwhile
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    leftovers = sorted(run_dir.glob(TMP_FILES))
    for f in leftovers:
        f.unlink()
    if leftovers:
        names = ", ".join(f.name for f in leftovers)
        print(f"removed {len(leftovers)} temporary file(s) of interrupted saves: {names}")
    if overwrite and (removed := _remove_run_files(run_dir)):
        print(f"--overwrite: removed {removed} file(s) of the previous run in {run_dir}")


def write_text(path: Path, text: str) -> None:
    """``path.write_text(text)``; an OSError (disk full, read-only directory) names the path."""
    try:
        path.write_text(text)
    except OSError as e:
        raise OSError(e.errno, f"{path}: cannot write: {e.strerror or e}") from e


def release(run_dir: Path) -> None:
    """Unlock ``run_dir`` (the process's end does it too)."""
    fd = _held.pop(run_dir.resolve(), None)
    if fd is not None:
        os.close(fd)


def _holder(run_dir: Path) -> str | None:
    """The pid written in the lock file if another process holds the lock, else None."""
    try:
        fd = os.open(run_dir / LOCK, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None
    except BlockingIOError:
        return _read_pid(run_dir)
    finally:
        os.close(fd)  # also drops the shared lock just taken


def _read_pid(run_dir: Path) -> str:
    try:
        return (run_dir / LOCK).read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def _check_unused(run_dir: Path) -> None:
    """A new training may use a directory that is missing, empty, or holds only what a failed start left."""
    if run_dir.exists() and not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: exists and is not a directory")
    if not run_dir.is_dir():
        return
    started = (run_dir / LOCK).exists()  # then config.yaml is one of ours
    found = sorted(p.name for p in run_dir.iterdir()
                   if p.name != LOCK and not p.match(TMP_FILES) and not (started and p.name == "config.yaml"))
    if not found:
        return
    if (run_dir / "metrics.json").exists():
        what, hint = "a finished run (metrics.json)", ""
    elif (run_dir / "last.pt").exists():
        what, hint = "an unfinished run (last.pt)", f", --resume {run_dir} to continue it"
    else:
        what, hint = f"files ({', '.join(found[:5])}{', ...' if len(found) > 5 else ''})", ""
    raise RunDirError(f"{run_dir}: already holds {what}; give --overwrite to replace it{hint}, or choose another "
                      f"--run-dir")


def _check_belongs(run_dir: Path, last: dict) -> None:
    """last.pt agrees with the run's config.yaml (data and model sections) and best.pt (task, vocabularies)."""
    if (run_dir / "config.yaml").is_file():
        written = OmegaConf.to_container(OmegaConf.load(run_dir / "config.yaml"))
        for section in ("data", "model"):
            if _differing(section, written, last["config"]):
                raise RunDirError(f"{run_dir / 'last.pt'} is not this run's: its {section} settings differ from "
                                  f"{run_dir / 'config.yaml'}")
    if (run_dir / "best.pt").is_file():
        best = load_checkpoint(run_dir / "best.pt")
        for key in ("task", "labels", "words", "chars"):
            if best.get(key) != last.get(key):
                raise RunDirError(f"{run_dir / 'last.pt'} is not this run's: its {key} differ from "
                                  f"{run_dir / 'best.pt'}'s")


def _differing(section: str, a: dict, b: dict) -> list[str]:
    """The keys of config section ``section`` whose values differ between config dicts a and b. A key only one of
    them has is a setting added since the other was saved (it takes its default there): not a difference."""
    x, y = a.get(section) or {}, b.get(section) or {}
    return [k for k in sorted(set(x) & set(y)) if x[k] != y[k] and f"{section}.{k}" not in RESUME_FREE]


def _difference(key: str, now: dict | None, then: dict | None) -> str:
    if key == "labels":
        for field in sorted(set(now) | set(then)):
            new, old = set(now.get(field, {}).get("itos", [])), set(then.get(field, {}).get("itos", []))
            if new != old:
                return (f"{field} {sorted(new - old)[:10]} are new, {sorted(old - new)[:10]} are gone "
                        f"({len(new)} now, {len(old)} in last.pt)")
        return "the labels are in another order"
    if key == "words":
        return f"the vocabulary differs ({len(now['itos'])} words now, {len(then['itos'])} in last.pt)"
    return "the character vocabulary differs"


def _remove_run_files(run_dir: Path) -> int:
    """Delete what a training writes (checkpoints, metrics, reports, TensorBoard events and projector folders);
    other files stay."""
    removed = 0
    for pattern in RUN_FILES:
        for f in run_dir.glob(pattern):
            f.unlink()
            removed += 1
    for d in run_dir.iterdir():  # the projector's step folders: 00039/word_embeddings/...
        if d.is_dir() and d.name.isdigit() and (d / "word_embeddings").is_dir():
            shutil.rmtree(d)
            removed += 1
    return removed
