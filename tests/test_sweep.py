import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scripts.sweep as sweep
from errors import ConfigError, RunDirError
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


def test_a_run_of_other_settings_is_refused_before_any_training(tmp_path):
    """A finished run is reused only if its config.yaml is what the sweep would train now, never retrained over."""
    argv = ["configs/tiny.yaml", "--out", str(tmp_path), "--variant", "base: train.epochs=1"]
    sweep.main(argv)
    before = (tmp_path / "base-seed1" / "metrics.json").read_text()
    changed = ["configs/tiny.yaml", "--out", str(tmp_path), "--variant", "new: train.epochs=1",
               "--variant", "base: train.epochs=2 model.hidden_size=32"]
    with pytest.raises(RunDirError, match=r"base-seed1 holds a run with other settings \(model.hidden_size=16 there, "
                                          r"32 now; train.epochs=1 there, 2 now\); choose another --out"):
        sweep.main(changed)
    assert not (tmp_path / "new-seed1").exists()                     # refused before the first training
    assert (tmp_path / "base-seed1" / "metrics.json").read_text() == before


@pytest.mark.parametrize("flag", [["--metrics", "f1"], ["--metrics", "dev/accuracy"]])
def test_an_unknown_metric_is_refused_before_any_training(tmp_path, capsys, flag):
    with pytest.raises(SystemExit) as e:
        sweep.main(["configs/tiny.yaml", "--out", str(tmp_path), "--variant", "base: train.epochs=1", *flag])
    assert e.value.code == 2 and not tmp_path.joinpath("base-seed1").exists()
    assert "choose from accuracy, macro_f1, entity_f1" in capsys.readouterr().err


def test_a_metric_the_runs_do_not_report_is_one_error(tmp_path):
    with pytest.raises(ConfigError, match="these runs report no entity_f1; their metrics: accuracy, macro_f1"):
        sweep.main(["configs/tiny.yaml", "--out", str(tmp_path), "--variant", "base: train.epochs=1",
                    "--metrics", "entity_f1"])


def test_sigint_stops_the_sweep_and_the_same_command_continues_it(tmp_path):
    """The interrupted run is resumed from its last.pt by the same command; the sweep exits 128 + SIGINT."""
    big = tmp_path / "train.conllu"
    big.write_text(Path("tests/fixtures/pos/train.conllu").read_text() * 15)
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "scripts.sweep", "configs/tiny.yaml", "--out", str(out),
               "--variant", f"a: train.epochs=6 train.batch_size=8 data.train_file={big}",  # >= 5 epochs to go
               "--variant", "b: train.epochs=1"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not (out / "a-seed1" / "last.pt").exists():
        assert proc.poll() is None and time.time() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)                                   # after epoch 1 of 6: well before its end
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGINT, stdout + stderr
    assert "Traceback" not in stderr and "error:" not in stderr and not (out / "b-seed1").exists()
    assert (f"SIGINT: the sweep stopped in {out / 'a-seed1'}. Run the same command again to continue it: finished "
            f"runs are reused and a-seed1 resumed from its last.pt") in stdout
    again = subprocess.run(command, env=env, text=True, capture_output=True, timeout=300)
    assert again.returncode == 0 and f"resuming {out / 'a-seed1'}" in again.stdout, again.stdout + again.stderr
    assert (out / "a-seed1" / "metrics.json").exists() and (out / "b-seed1" / "metrics.json").exists()
