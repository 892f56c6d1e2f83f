"""The benchmark scripts run and report what they promise (no timing assertions: the machines are shared)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import torch

from benchmarks import syncs, throughput, time_to_accuracy
from tests.fixtures import fixture_data
from training.device import bf16_supported

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.part("joint", "classification", "tagging")
@pytest.mark.parametrize("overrides", [[], ["model.char_filters=8"], fixture_data("questions"),
                                       [*fixture_data("slots"), "model.crf=true"]],
                         ids=["tagger", "tagger-chars", "classifier", "joint-crf"])
def test_throughput_prints_one_table_with_every_row_and_ratio(capsys, overrides):
    results = throughput.main(["--config", "configs/tiny.yaml", "--limit", "200", "--batches", "2", "--warmup", "1",
                               "--repeats", "2", "--threads", "1", "--batch-size", "8", "--device", "cpu", *overrides])
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert table[0] == "| real tokens/s (median ±half-range) | cpu, 1 thread |"
    for row in ["(1) ceiling", "(2) full loop", "(2b) full loop beside one busy process", "(2c) full loop on device",
                "(3) naive loop",
                "step alone: packed, random",
                "step alone: reversed, random", "step alone: packed, bucketed", "step alone: reversed, bucketed",
                "bf16 autocast (`train.amp`)"]:
        assert sum(row in line for line in table) == 1, row
    assert re.search(r"\| \*\*\(2\)/\(1\) loop vs ceiling\*\* \| \d+\.\d\d \|", out)
    assert re.search(r"\| \*\*\(2\)/\(3\) loop vs naive\*\* \| \d+\.\d\dx \|", out)
    assert re.search(r"\| \*\*\(2b\)/\(2\) busy neighbour vs quiet\*\* \| \d+\.\d\d \|", out)
    assert re.search(r"\| \*\*\(2c\)/\(1\) device-data loop vs ceiling\*\* \| \d+\.\d\d \|", out)
    bf16 = bf16_supported(torch.device("cpu"))  # CPUs without AVX-512 have no bf16 kernels: its row says so
    ratio = r"\d+\.\d\dx" if bf16 else "-"
    assert re.search(r"\| \*\*bf16 autocast / float32, model step\*\* \| " + ratio + r" \|", out)
    assert len(table) == 2 + 10 + 7                                   # header, rule, rows, ratios: one table
    assert len(results) == 8 + bf16 and all(v > 0 for v in results.values())  # 4 steps, bf16, 3 loops, naive


@pytest.mark.part("tagging")
def test_time_to_accuracy_reports_reached_and_not_reached(tagger_run, capsys):
    reached = time_to_accuracy.main([str(tagger_run), "--target", "0.0"])
    assert reached["reached"] and reached["epoch"] == 1 and reached["seconds"] >= 0
    missed = time_to_accuracy.main([str(tagger_run), "--target", "1.01"])
    assert not missed["reached"]
    out = capsys.readouterr().out
    assert "reached" in out and f"not reached, best {missed['value']:.4f} at" in out


def test_syncs_runs_its_checks_and_counts_on_cpu(capsys):
    """benchmarks.syncs on the CPU: the GPU run's code end to end, its device checks passing, nothing to count."""
    results = syncs.main(["--config", "configs/tiny.yaml", "--device", "cpu", "--steps", "2", "train.batch_size=8",
                          "model.hidden_size=8", "model.char_filters=8"])
    out = capsys.readouterr().out
    assert re.search(r"spellings == torch.unique on cpu: 12 batches of 8", out)
    assert results["max |reversed - packed|"] < 1e-5
    assert {k: v for k, v in results.items() if "," in k} == {f"{loop}, {path}": 0.0 for loop in
                                                             ("device data", "DataLoader")
                                                             for path in ("reversed", "packed")}


@pytest.mark.parametrize("command, error", [
    (["throughput", "--config", "configs/tiny.yaml", "model.hiden=3"], "unknown config key 'model.hiden'"),
    (["syncs", "--config", "configs/tiny.yaml", "--device", "cpu", "data.train_file=none.conllu"],
     f"{ROOT / 'none.conllu'}: missing file for split 'train'"),
    (["time_to_accuracy", "no_such_run"], "no_such_run: no such run directory")])
def test_a_user_error_is_one_error_line(command, error):
    done = subprocess.run([sys.executable, "-m", f"benchmarks.{command[0]}", *command[1:]], cwd=ROOT,
                          env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith(f"error: {error}") and done.stderr.count("\n") == 1, \
        done.stderr
