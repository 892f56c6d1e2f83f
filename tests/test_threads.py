"""Threads are the config's, not the environment's: every entry point sets a non-spinning OpenMP wait policy before
torch loads, and a fixed train.threads gives the same run whatever OMP_NUM_THREADS says (subprocesses: the
settings are read when a process loads torch, so they cannot be tested in this one)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training import threads
from training.checkpoint import load_checkpoint
from tests.fixtures import by_part

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = ["train", "predict", "evaluate", "export", "benchmarks.throughput", "scripts.sweep", "scripts.ablation",
                "scripts.typed_text"]


def libgomp_settings(code: str) -> str:
    """What libgomp prints of its settings (OMP_DISPLAY_ENV) in a fresh interpreter running `code`."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "OMP_DISPLAY_ENV": "VERBOSE"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_plain_torch_spins_when_idle():
    """The control: without the policy, libgomp's idle threads spin (GOMP_SPINCOUNT 300000) at every region."""
    assert "GOMP_SPINCOUNT = '300000'" in libgomp_settings("import torch")


@pytest.mark.parametrize("module", by_part(*ENTRY_POINTS))
def test_every_entry_point_sets_a_passive_wait_policy_before_torch_loads(module):
    settings = libgomp_settings(f"import {module}")
    assert "OMP_WAIT_POLICY = 'PASSIVE'" in settings and "GOMP_SPINCOUNT = '0'" in settings


def test_auto_is_one_thread_and_a_number_is_itself():
    assert threads.resolve("auto") == threads.AUTO == 1 and threads.resolve(3) == 3
    with pytest.raises(ValueError, match="train.threads must be 'auto' or an integer >= 1"):
        threads.resolve(0)


def test_the_same_run_whatever_omp_num_threads_says(tmp_path):
    """Two trainings of the same config, OMP_NUM_THREADS=1 and =2: identical scores and parameters. (With
    train.threads=1 vs 2 the parameters of this run differ: the thread count changes the float sums.)"""
    runs = {}
    for omp in ("1", "2"):
        run = tmp_path / f"omp{omp}"
        cmd = [sys.executable, "train.py", "configs/tiny.yaml", "train.epochs=2", "--run-dir", str(run)]
        done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": omp}, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        runs[omp] = json.loads((run / "metrics.json").read_text()), load_checkpoint(run / "best.pt")["model"]
    (m1, p1), (m2, p2) = runs["1"], runs["2"]
    assert m1["threads"] == m2["threads"] == 1
    scores = [k for k in m1 if k.startswith(("dev/", "test/"))]
    assert scores and {k: m1[k] for k in scores} == {k: m2[k] for k in scores}
    assert p1.keys() == p2.keys() and all(torch.equal(p1[k], p2[k]) for k in p1)
