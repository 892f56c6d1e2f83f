"""Kill a run, resume it, and get exactly what an uninterrupted run with the same seed gets (CPU)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from errors import Diverged
from tests.fixtures import without_times
from training.checkpoint import load_checkpoint
from training.config import load_config

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "train.py", *args], cwd=ROOT, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for_epoch(run: Path, epoch: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until last.pt says `epoch` is in progress (it is saved at each epoch's end)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        if (run / "last.pt").exists() and load_checkpoint(run / "last.pt")["progress"]["epoch"] == epoch:
            return
        time.sleep(0.02)
    raise TimeoutError(f"epoch {epoch} never started")


@pytest.fixture(scope="module")
def args(tmp_path_factory) -> list[str]:
    """A run whose epochs last a few seconds (configs/tiny.yaml's train file 15 times over, the pos fixture's 1,350
    sentences, batches of 8), dropout on, so the RNG states must be restored too."""
    train_file = ROOT / load_config("configs/tiny.yaml").data.train_file
    big = tmp_path_factory.mktemp("data") / train_file.name
    header, body = ("", train_file.read_text()) if train_file.suffix != ".csv" else \
        train_file.read_text().split("\n", 1)  # a CSV's header once
    big.write_text((header + "\n" if header else "") + body * 15)
    return ["configs/tiny.yaml", f"data.train_file={big}", "train.batch_size=8", "train.epochs=3", "train.patience=9",
            "model.dropout=0.3", "model.word_dropout=0.1"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, args) -> Path:
    run = tmp_path_factory.mktemp("reference")
    proc = start(*args, "--run-dir", str(run))
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    return run


def assert_same_run(run: Path, reference: Path) -> None:
    got, want = (without_times(json.loads((r / "metrics.json").read_text())) for r in (run, reference))
    assert got == want
    for name in ("best.pt", "last.pt"):
        a, b = load_checkpoint(run / name), load_checkpoint(reference / name)
        for k in b["model"]:
            torch.testing.assert_close(a["model"][k], b["model"][k], rtol=0, atol=0, msg=f"{name}:{k}")


def test_sigkill_mid_epoch_2_then_resume_equals_uninterrupted(tmp_path, args, reference):
    run = tmp_path / "run"
    proc = start(*args, "--run-dir", str(run))
    wait_for_epoch(run, 2, proc)
    time.sleep(0.5)  # into epoch 2
    proc.kill()
    out, _ = proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    ckpt = load_checkpoint(run / "last.pt")                    # the epoch-1 checkpoint, intact
    assert ckpt["progress"]["epoch"] == 2 and ckpt["progress"]["batch"] == 0, "killed too late: epoch 2 had ended"
    assert not list(run.glob(".*.tmp")), "a half-written checkpoint was left behind"

    resumed = start("--resume", str(run))
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out
    assert "resuming" in out and "at epoch 2, batch 0" in out
    assert_same_run(run, reference)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_saves_mid_epoch_and_resume_is_exact(tmp_path, args, reference, sig):
    run = tmp_path / "run"
    proc = start(*args, "--run-dir", str(run))
    wait_for_epoch(run, 2, proc)
    time.sleep(0.5)
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, out
    python = "python" if shutil.which("python") == sys.executable else sys.executable  # the interpreter used
    assert f"Resume with: {python} train.py --resume {run}" in out
    progress = load_checkpoint(run / "last.pt")["progress"]
    assert progress["epoch"] == 2 and progress["batch"] > 0     # saved in the middle of epoch 2

    resumed = start("--resume", str(run))
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out
    assert_same_run(run, reference)


def test_nan_loss_stops_naming_the_step_and_keeps_checkpoints(tmp_path):
    import train
    run = tmp_path / "run"
    train.main(["configs/tiny.yaml", "train.epochs=1", "--run-dir", str(run)])
    last = load_checkpoint(run / "last.pt")
    steps = last["progress"]["step"]
    last["model"]["encoder.rnn.weight_ih_l0"].fill_(float("nan"))  # weights gone bad, as after a divergence
    torch.save(last, run / "last.pt")
    before = {name: (run / name).read_bytes() for name in ("best.pt", "last.pt")}
    with pytest.raises(Diverged, match=rf"loss is NaN or infinite at step {steps + 1} \(epoch 2\)"):
        train.main(["--resume", str(run), "train.epochs=2"])
    assert {name: (run / name).read_bytes() for name in before} == before  # nothing overwritten
