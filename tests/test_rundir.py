"""A run directory belongs to one run; a malformed checkpoint or a failed write names the file and what is wrong
(issue 14). CI runs as root, where permissions do not stop writes and no disk is small: the read-only run dir
and the full disk are the OSError raised at the write call (monkeypatch), as the kernel would."""
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from errors import CheckpointError, RunDirError
from tests.fixtures import by_part
import own_data
import train
from training import checkpoint, rundir
from training.checkpoint import load_checkpoint, save_checkpoint

ROOT = Path(__file__).resolve().parent.parent
TINY = ["configs/tiny.yaml", "train.epochs=1"]


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture
def finished(tagger_run, tmp_path) -> Path:
    """A copy of a finished tiny run (config.yaml, best.pt, last.pt, metrics.json, events ...)."""
    return Path(shutil.copytree(tagger_run, tmp_path / "finished"))


def test_finished_run_is_kept_unless_overwrite(finished):
    before = snapshot(finished)
    with pytest.raises(RunDirError, match=rf"^{finished}: already holds a finished run \(metrics.json\); give "
                                          rf"--overwrite to replace it, or choose another --run-dir$"):
        train.main([*TINY, "--run-dir", str(finished)])
    assert snapshot(finished) == before
    train.main([*TINY, "--run-dir", str(finished), "--overwrite"])
    after = snapshot(finished)
    old_events = {n for n in before if n.startswith("events.")}
    assert old_events and not old_events & set(after)          # the old run's TensorBoard events are gone
    assert after["metrics.json"] != before["metrics.json"] and load_checkpoint(finished / "last.pt")


def test_unfinished_run_and_other_files_are_kept(finished, tmp_path):
    (finished / "metrics.json").unlink()
    with pytest.raises(RunDirError, match=rf"already holds an unfinished run \(last.pt\); give --overwrite to "
                                          rf"replace it, --resume {finished} to continue it"):
        train.main([*TINY, "--run-dir", str(finished)])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(RunDirError, match=r"already holds files \(notes.txt\) and no run of train.py \(no .lock\): "
                                          r"--overwrite replaces only a run, never other files; choose another"):
        train.main([*TINY, "--run-dir", str(mine)])
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_second_training_gets_the_holders_pid(tmp_path):
    run = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from training import rundir; "
                               "rundir.claim(Path(sys.argv[1]), False, False); print('locked', flush=True); "
                               "time.sleep(120)", str(run)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirError, match=rf"^{run}: another training is using it \(pid {holder.pid}\)"):
            train.main([*TINY, "--run-dir", str(run)])
        with pytest.raises(RunDirError, match=rf"another training is using it \(pid {holder.pid}\)"):
            rundir.claim(run, False, False)                     # the lock itself, not only the first look
    finally:
        holder.kill()
        holder.wait()
    rundir.check(run, False, False)                             # the kernel dropped the lock with its holder
    rundir.claim(run, False, False)
    rundir.release(run)


def test_failed_resume_writes_nothing(finished):
    before = snapshot(finished)
    with pytest.raises(RunDirError, match=rf"--resume {finished}: model.hidden_size is 32 here but 16 in its "
                                          rf"last.pt; a resume trains the same model on the same data"):
        train.main(["--resume", str(finished), "model.hidden_size=32"])
    with pytest.raises(RunDirError, match=r"data.limit is 50 here but None in its last.pt"):
        train.main(["--resume", str(finished), "data.limit=50"])
    assert snapshot(finished) == before


@pytest.mark.parametrize("task", by_part("tagging", "classification"))
def test_last_pt_of_another_run_is_refused(finished, tmp_path, task):
    other = tmp_path / "other"
    own = own_data.tagging(tmp_path / "data") if task == "tagging" else own_data.classification(tmp_path / "data")
    train.main([*own, "train.select_metric=accuracy", "--run-dir", str(other)])
    shutil.copy(other / "last.pt", finished / "last.pt")
    with pytest.raises(RunDirError, match=rf"^{finished / 'last.pt'} is not this run's: its data settings "
                                          rf"differ from {finished / 'config.yaml'}"):
        train.main(["--resume", str(finished), "train.epochs=3"])
    shutil.copy(other / "config.yaml", finished / "config.yaml")   # config.yaml copied too: best.pt disagrees
    with pytest.raises(RunDirError, match=rf"is not this run's: its (labels|task) differ from "
                                          rf"{finished / 'best.pt'}'s"):
        train.main(["--resume", str(finished), "train.epochs=3"])


@pytest.mark.part("classification")
def test_resume_on_other_data_is_refused(tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("text,label\ngood film,pos\nbad film,neg\nfine,pos\nawful,neg\n")
    own = ["data.name=mine", "data.format=csv", f"data.train_file={data}", f"data.validation_file={data}",
           f"data.test_file={data}"]
    run = tmp_path / "run"
    train.main([*TINY, *own, "--run-dir", str(run)])
    before = snapshot(run)
    data.write_text(data.read_text() + "so so,meh\n")
    with pytest.raises(RunDirError, match=r"the training data is not the data of its last.pt: label \['meh'\] "
                                          r"are new, \[\] are gone \(3 now, 2 in last.pt\)"):
        train.main(["--resume", str(run), "train.epochs=2"])
    assert snapshot(run) == before


def test_killed_saves_leave_no_temporary_files_after_the_next_start(finished):
    for name in (".last.pt.k2x9a.tmp", ".best.pt.q81zz.tmp"):
        (finished / name).write_bytes(b"\0" * 1000)             # what a SIGKILL during torch.save leaves
    train.main(["--resume", str(finished)])                     # finished already: evaluates, trains nothing
    assert not list(finished.glob(".*.tmp"))


@pytest.mark.parametrize("make,message", [
    (lambda p: torch.save(torch.zeros(3), p), "holds a Tensor, not a checkpoint dict"),
    (lambda p: p.write_bytes(b""), r"empty file \(0 bytes\), not a checkpoint"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(500)), r"truncated or corrupt checkpoint, 504 bytes"),
    (lambda p: p.write_bytes(b"\x13\x37 not a checkpoint at all"), "not a PyTorch checkpoint"),
    (lambda p: torch.save({"model": {}}, p), r"not a checkpoint of this project's train.py: no 'config', 'task'"),
])
def test_malformed_checkpoint_is_one_line_naming_the_path(tmp_path, make, message):
    path = tmp_path / "best.pt"
    make(path)
    with pytest.raises(CheckpointError, match=rf"^{path}: {message}") as e:
        load_checkpoint(path)
    assert "\n" not in str(e.value)


def test_truncated_last_pt_stops_the_resume_naming_it(finished):
    data = (finished / "last.pt").read_bytes()
    (finished / "last.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=rf"^{finished / 'last.pt'}: truncated or corrupt checkpoint"):
        train.main(["--resume", str(finished)])
    last = load_checkpoint(finished / "best.pt")                # a best.pt lacks what a resume needs
    save_checkpoint(last, finished / "last.pt")
    with pytest.raises(CheckpointError, match=r"last.pt: not a checkpoint of this project's train.py: no "
                                              r"'optimizer', 'scheduler', 'rng'"):
        train.main(["--resume", str(finished)])


def test_full_disk_names_the_checkpoint_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    save_checkpoint({"model": {"w": torch.ones(2)}}, path)
    before = path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(checkpoint.torch, "save", full)
    with pytest.raises(OSError, match=rf"^\[Errno 28\] {path}: cannot write the checkpoint: No space left on device"):
        save_checkpoint({"model": {}}, path)
    assert path.read_bytes() == before and not list(tmp_path.glob(".*.tmp"))
    run = tmp_path / "run"
    with pytest.raises(OSError, match=rf"{run / 'best.pt'}: cannot write the checkpoint: No space left"):
        train.main([*TINY, "--run-dir", str(run)])


def test_a_failed_start_is_retried_in_its_run_dir(tmp_path, monkeypatch, capsys):
    """A start that failed before its first checkpoint (here the disk, after TensorBoard's first event) leaves .lock,
    config.yaml and an events file: the same command again trains there, without the old events."""
    run = tmp_path / "run"
    monkeypatch.setattr(checkpoint.torch, "save", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(OSError, match="cannot write the checkpoint"):
        train.main([*TINY, "--run-dir", str(run)])
    old = list(run.glob("events.out.tfevents.*"))
    assert len(old) == 1 and not (run / "last.pt").exists()
    monkeypatch.undo()
    train.main([*TINY, "--run-dir", str(run)])
    assert f"removed 1 file(s) of interrupted saves or a failed start: {old[0].name}" in capsys.readouterr().out
    assert (run / "metrics.json").is_file() and not old[0].exists()  # TensorBoard would show its text twice


def test_full_disk_at_the_end_names_the_file(tmp_path, monkeypatch):
    run, real_mkstemp = tmp_path / "run", checkpoint.tempfile.mkstemp

    def full(*args, prefix="", **kwargs):  # the disk fills up just before metrics.json: writes get ENOSPC
        fd, name = real_mkstemp(*args, prefix=prefix, **kwargs)
        if prefix == ".metrics.json.":
            dev_full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(dev_full, fd)
            os.close(dev_full)
        return fd, name
    monkeypatch.setattr(checkpoint.tempfile, "mkstemp", full)
    with pytest.raises(OSError, match=rf"^\[Errno 28\] {run / 'metrics.json'}: cannot write: No space left on device$"):
        train.main([*TINY, "--run-dir", str(run)])
    assert (run / "best.pt").exists() and (run / "report_test.txt").exists() and not list(run.glob(".*.tmp"))


def test_read_only_run_dir_is_one_line_naming_it(tmp_path, monkeypatch):
    run, real_open = tmp_path / "run", rundir.os.open

    def read_only(path, flags, *args, **kwargs):  # creating a file there fails, as in a read-only directory
        if flags & rundir.os.O_CREAT and str(path).startswith(str(tmp_path)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)
    monkeypatch.setattr(rundir.os, "open", read_only)           # the first write of a training: its lock file
    with pytest.raises(RunDirError, match=rf"^{run}: cannot create the run directory or its lock file: "
                                          rf"Permission denied$"):
        train.main([*TINY, "--run-dir", str(run)])
    monkeypatch.undo()

    def no_write(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".x.pt.abc.tmp"))
    monkeypatch.setattr(checkpoint.tempfile, "mkstemp", no_write)  # a run dir made read-only mid-run
    with pytest.raises(OSError, match=rf"{tmp_path / 'x.pt'}: cannot write the checkpoint: Permission denied"):
        save_checkpoint({}, tmp_path / "x.pt")


def test_a_run_saved_before_newer_settings_resumes(tmp_path):
    """last.pt written by older code lacks the settings added since (e.g. data.tokenizer, model.class_weights): they
    take their defaults, which is not a change of data or model, so the resume goes on."""
    run = tmp_path / "run"
    train.main([*TINY, "--run-dir", str(run)])
    last = load_checkpoint(run / "last.pt")
    added = {"data": ("tokenizer", "pretokenized", "download", "encoding"), "model": ("class_weights",)}
    for section, keys in added.items():
        for key in keys:
            del last["config"][section][key]
    save_checkpoint(last, run / "last.pt")
    results = train.main(["--resume", str(run), "train.epochs=2"])
    assert results["epochs"] == 2
