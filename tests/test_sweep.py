import json
import os
import shutil
import subprocess
import sys

import pytest

import scripts.sweep as sweep
from training import rundir


def test_sweep_table_from_real_runs_and_reuse(tmp_path):
    argv = ["configs/tiny.yaml", "--out", str(tmp_path), "--seeds", "1", "2",
            "--variant", "base: train.epochs=1", "--variant", "gru: train.epochs=1 model.rnn=gru"]
    table = sweep.main(argv)
    lines = table.splitlines()
    assert len(lines) == 4 and lines[2].startswith("| base |") and "model.rnn=gru" in lines[3]
    run = json.loads((tmp_path / "gru-seed2" / "metrics.json").read_text())
    assert f"{100 * run['test/accuracy']:.1f}" in lines[3].split("|")[-4]      # per-seed test column
    assert (tmp_path / "gru-seed2" / "config.yaml").read_text().count("rnn: gru") == 1
    # finished runs are reused: the same table without training again (a poisoned config would fail)
    (tmp_path / "base-seed1" / "metrics.json").write_text(json.dumps({**run, "test/accuracy": 0.5}))
    assert "50.0" in sweep.main(argv).splitlines()[2]


def test_variant_needs_a_name():
    with pytest.raises(SystemExit):
        sweep.main(["configs/tiny.yaml", "--out", "x", "--variant", "no colon here"])


def test_sweep_resumes_an_interrupted_run_and_restarts_one_without_checkpoint(tmp_path, capsys):
    """A run dir belongs to one run (training/rundir.py): the sweep continues its own runs rather than failing."""
    argv = ["configs/tiny.yaml", "--out", str(tmp_path), "--variant", "base: train.epochs=1",
            "--variant", "gru: train.epochs=1 model.rnn=gru"]
    sweep.main(argv)
    (tmp_path / "base-seed1" / "metrics.json").unlink()              # killed after its last.pt
    gru = tmp_path / "gru-seed1"
    for f in gru.iterdir():                                          # killed before its first checkpoint
        if f.name not in ("config.yaml", ".lock") and not f.name.startswith("events."):
            shutil.rmtree(f) if f.is_dir() else f.unlink()
    capsys.readouterr()
    sweep.main(argv)
    out = capsys.readouterr().out
    assert f"resuming {tmp_path / 'base-seed1'}" in out and "--overwrite: removed" in out
    assert (tmp_path / "base-seed1" / "metrics.json").exists() and (gru / "metrics.json").exists()


def test_a_run_dir_another_training_holds_ends_the_sweep_in_one_line(tmp_path):
    """As train.py: a user error is one `error:` line, not a traceback (the sweep's finished runs stay)."""
    held = tmp_path / "base-seed1"
    rundir.claim(held, resuming=False, overwrite=False)  # this process holds its lock, as a running training would
    try:
        done = subprocess.run([sys.executable, "-m", "scripts.sweep", "configs/tiny.yaml", "--out", str(tmp_path),
                               "--variant", "base: train.epochs=1"], capture_output=True, text=True, timeout=300)
    finally:
        rundir.release(held)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {held}: another training is using it (pid {os.getpid()}); "
                                                 f"wait for it to end, or choose another --run-dir"]
