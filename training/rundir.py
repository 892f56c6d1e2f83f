"""A run directory belongs to one run, and the program writes only its own files there (the rules: docs/rundir.md).
`check` refuses one before any work, writing nothing; `claim` creates and locks it when the work starts
(``fcntl.flock`` on RUN_DIR/.lock, which holds the pid: the kernel drops the lock however the process ends)."""
from __future__ import annotations

import fcntl
import os
import re
import shlex
from pathlib import Path

from errors import RunDirError
from .checkpoint import write_atomic

LOCK = ".lock"
RUN_FILES = ("best.pt", "last.pt", "metrics.json", "report_dev.txt", "report_test.txt", "config.yaml",
             "projector_config.pbtxt", "model.pt2", "export_meta.json", "model.onnx")  # export.py's too
EVENTS = "events.out.tfevents.*"  # TensorBoard's, a new name per writer
PROJECTOR = ("word_embeddings", ("tensors.tsv", "metadata.tsv"))  # STEP/word_embeddings/{tensors,metadata}.tsv
_held: dict[Path, int] = {}  # run dir -> fd of its lock, for the trainings of this process


def check(run_dir: Path, resuming: bool, overwrite: bool) -> None:
    """Refuse ``run_dir`` if another training holds it, if a file of the run there is a symbolic link, or if it
    holds something (unless ``overwrite`` and it is a run, or ``resuming``). Writes nothing."""
    release(run_dir)  # a lock this process still holds comes from a training that raised (one at a time)
    try:
        fd = os.open(run_dir / LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # none, not a directory, or a link (refused by `_check_contents`)
        pass
    else:
        _lock(run_dir, fd, fcntl.LOCK_SH)
        os.close(fd)  # drops the shared lock just taken
    if run_dir.exists() and not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: exists and is not a directory")
    _check_contents(run_dir, resuming, overwrite)


def claim(run_dir: Path, resuming: bool, overwrite: bool) -> None:
    """Create and lock ``run_dir`` for this training; remove killed saves' temporary files, a failed start's events
    (a new run) or with ``overwrite`` the previous run's files."""
    release(run_dir)  # a lock this process still holds comes from a training that raised (one at a time)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)  # a link: ELOOP, not its target
    except OSError as e:
        raise RunDirError(f"{run_dir}: cannot create the run directory or its lock file: {e.strerror}") from None
    _lock(run_dir, fd, fcntl.LOCK_EX)
    _held[run_dir.resolve()] = fd
    _check_contents(run_dir, resuming, overwrite)  # again, under the lock: another training may have ended here
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    if tmp := [p for p in own_entries(run_dir) if _is_temporary(p) or not (resuming or overwrite) and p.match(EVENTS)]:
        for f in tmp:
            f.unlink()
        print(f"removed {len(tmp)} file(s) of interrupted saves or a failed start: {', '.join(p.name for p in tmp)}")
    if overwrite and (removed := _remove_run_files(run_dir)):
        print(f"--overwrite: removed {removed} file(s) of the previous run in {run_dir}")


def write_text(path: Path, text: str) -> None:
    """``path``'s new content, written atomically (`training.checkpoint.write_atomic`)."""
    write_atomic(path, lambda f: f.write(text.encode()))


def release(run_dir: Path) -> None:
    """Unlock ``run_dir`` (the process's end does it too)."""
    fd = _held.pop(run_dir.resolve(), None)
    if fd is not None:
        os.close(fd)


def is_run(run_dir: Path) -> bool:
    """Did a training of this project start here? Every one writes ``.lock`` (a file holding its pid) first."""
    lock = run_dir / LOCK
    try:
        return lock.is_file() and not lock.is_symlink() and re.fullmatch(r"\d*\n?", lock.read_text()) is not None
    except (OSError, UnicodeDecodeError):
        return False


def own_entries(run_dir: Path) -> list[Path]:
    """What a training (or export.py) writes in ``run_dir`` that is there now: `RUN_FILES`, the lock, temporary
    files of saves, TensorBoard events and the projector's step folders. Everything else is the user's."""
    if not run_dir.is_dir():
        return []
    names = {LOCK, *RUN_FILES}
    return sorted(p for p in run_dir.iterdir() if p.name in names or p.match(EVENTS) or _is_temporary(p)
                  or _is_projector_step(p))


def _lock(run_dir: Path, fd: int, kind: int) -> None:
    """flock ``fd`` (the lock file's), or close it and refuse: another process holds it."""
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        try:
            pid = (run_dir / LOCK).read_text().strip() or "unknown"
        except OSError:
            pid = "unknown"
        raise RunDirError(f"{run_dir}: another training is using it (pid {pid}); wait for it to end, or choose "
                          f"another --run-dir") from None


def _check_contents(run_dir: Path, resuming: bool, overwrite: bool) -> None:
    """No file the run writes (or --overwrite removes) may be a symbolic link: it would be written through."""
    own = own_entries(run_dir)
    steps = [p for p in own if p.is_dir() and not p.is_symlink()]
    if links := [p for p in own + [q for s in steps for q in s.rglob("*")] if p.is_symlink()]:
        names = ", ".join(str(p.relative_to(run_dir)) for p in links)
        raise RunDirError(f"{run_dir}: {names}: a symbolic link where the run writes its files; the program "
                          f"never writes through links, outside its run dir: remove the link (or put a copy of the "
                          f"file it points to in its place), or choose another --run-dir")
    if overwrite:  # it replaces a run: a directory without one, but with files, is the user's
        if run_dir.is_dir() and not is_run(run_dir) and (found := sorted(p.name for p in run_dir.iterdir())):
            raise RunDirError(f"{run_dir}: --overwrite replaces a run of train.py, and this folder holds none (no "
                              f".lock), only other files ({_some(found)}): nothing of it is removed; choose another "
                              f"--run-dir (a new or empty folder)")
    elif not resuming:
        _check_unused(run_dir)


def _check_unused(run_dir: Path) -> None:
    """A new training may use a directory that is missing, empty, or holds only what a failed start left."""
    if not run_dir.is_dir():
        return
    started = is_run(run_dir)  # then config.yaml and TensorBoard's events are a failed start's (claim removes them)
    found = sorted(p.name for p in run_dir.iterdir() if p.name != LOCK and not _is_temporary(p)
                   and not (started and (p.name == "config.yaml" or p.match(EVENTS))))
    if not found:
        return
    if not started:
        raise RunDirError(f"{run_dir}: already holds files ({_some(found)}) and no run of train.py (no .lock): "
                          f"--overwrite replaces only a run, never other files; choose another --run-dir (a new "
                          f"or empty folder)")
    if (run_dir / "metrics.json").exists():
        what, hint = "a finished run (metrics.json)", ""
    elif (run_dir / "last.pt").exists():
        what, hint = "an unfinished run (last.pt)", f", --resume {shlex.quote(str(run_dir))} to continue it"
    else:
        what, hint = f"files ({_some(found)})", " (files it did not write stay)"
    raise RunDirError(f"{run_dir}: already holds {what}; give --overwrite to replace it{hint}, or choose another "
                      f"--run-dir")


def _some(names: list[str]) -> str:
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


def _is_temporary(p: Path) -> bool:
    """A temporary file of an atomic write (training/checkpoint.py): ``.best.pt.k2x9a.tmp``."""
    return p.name.endswith(".tmp") and any(p.name.startswith(f".{name}.") for name in RUN_FILES)


def _is_projector_step(p: Path) -> bool:
    """TensorBoard's projector folder of a step: ``00039/word_embeddings/`` (or a link to one: refused)."""
    return p.name.isdigit() and (p / PROJECTOR[0]).is_dir()


def _remove_run_files(run_dir: Path) -> int:
    """Delete what a training wrote (`own_entries` but the lock; of a projector folder only its two files)."""
    own = [p for p in own_entries(run_dir) if p.name != LOCK]
    steps = [p for p in own if _is_projector_step(p) and not p.is_symlink()]
    inner = [s / PROJECTOR[0] / name for s in steps for name in PROJECTOR[1]]
    files = [p for p in own if p not in steps] + [f for f in inner if f.is_file()]
    for f in files:
        f.unlink()
    for d in (d for s in steps for d in (s / PROJECTOR[0], s)):
        if not any(d.iterdir()):
            d.rmdir()
    return len(files)
