"""scripts/results.py: docs/results.json -> the README's results table (mean ± std over seeds, seed 1, goals)."""
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

import scripts.sweep as sweep
from errors import RunDirError
from scripts import results


def run(seed: int, accuracy: float, epochs: int = 10) -> dict:
    return {"run": f"seed{seed}", "seed": seed, "command": "sweep", "commit": "abc1234", "date": "2026-12-01",
            "machine": "m", "train_seconds": 125.7, "best_epoch": epochs - 2, "epochs": epochs,
            "test/accuracy": accuracy}


def group(*runs: dict) -> dict:
    return {"name": "g", "title": "G", "config": "configs/g.yaml", "seeds": 3, "command": "python train.py c.yaml",
            "metrics": [{"key": "test/accuracy", "name": "accuracy", "target": 91.0, "stretch": 93.0}],
            "cpu": "a CPU", "runs": list(runs)}


def test_a_row_has_seed_1_the_mean_over_seeds_and_the_goals_judged_on_the_mean():
    (row,) = results.table_rows(group(run(2, 0.90), run(1, 0.92, epochs=12)))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == ["G, accuracy", "**92.00**", "91.00 ±1.41 (2 of 3 seeds)", "91.0: met so far",
                     "93.0: not met so far", "12 (10)", "2 min 05 s", "a CPU", "`python train.py c.yaml`"]


def test_a_group_without_a_seed_1_run_cannot_be_tabled():
    with pytest.raises(ValueError, match="g: no seed-1 run"):
        results.table_rows(group(run(2, 0.90)))


def test_the_table_is_framed_by_its_markers_and_names_dates_and_commits():
    text = results.table({"machine": "a 2-core CPU", "groups": [group(run(1, 0.9), run(2, 0.9), run(3, 0.9))]})
    assert text.startswith(results.BEGIN) and text.endswith(results.END)
    assert "a 2-core CPU; runs of 2026-12-01 at commit abc1234" in text and "(3 seeds)" in text
    assert results.readme_table(f"intro\n{text}\nafter\n") == text


def test_run_entry_copies_metrics_json_and_reads_the_seed_and_the_date(tmp_path):
    (tmp_path / "config.yaml").write_text("train:\n  seed: 4\n")
    (tmp_path / "metrics.json").write_text(json.dumps({"best_epoch": 3, "epochs": 5, "test/accuracy": 0.5,
                                                       "train_seconds": 61.5}))
    os.utime(tmp_path / "metrics.json", (1_000_090, 1_000_090))
    entry = results.run_entry(tmp_path, "m", "python train.py c.yaml train.seed=4", "abc1234")
    assert entry["seed"] == 4 and entry["train_seconds"] == 61.5 and entry["test/accuracy"] == 0.5
    assert entry["commit"] == "abc1234" and entry["date"] == "1970-01-12"


def test_check_fails_when_the_readme_table_differs(tmp_path, monkeypatch):
    data = {"machine": "m", "groups": [group(run(1, 0.9))]}
    (tmp_path / "results.json").write_text(json.dumps(data))
    monkeypatch.setattr(results, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(results, "README", tmp_path / "README.md")
    (tmp_path / "README.md").write_text(f"# x\n{results.table()}\n")
    results.main(["check"])                                                      # the same: passes
    (tmp_path / "README.md").write_text(f"# x\n{results.table().replace('90.00', '91.00')}\n")
    with pytest.raises(SystemExit, match="differs from docs/results.json"):
        results.main(["check"])
    results.main(["write"])                                                      # made again from results.json
    assert (tmp_path / "README.md").read_text() == f"# x\n{results.table()}\n"
    results.main(["check"])


def test_the_readme_table_is_the_one_made_from_docs_results_json():
    """The committed figures: add runs to docs/results.json (python -m scripts.results add), then `... write`."""
    assert results.readme_table(results.README.read_text()) == results.table()


def test_every_group_has_its_seeds_and_every_run_its_provenance():
    """Seeds 1..N; a group whose last seeds are still training shows "k of N seeds" (its runs land as they end)."""
    for g in results.load()["groups"]:
        seeds = sorted(r["seed"] for r in g["runs"])
        assert seeds == list(range(1, len(seeds) + 1)) and 1 <= len(seeds) <= g["seeds"], g["name"]
        for r in g["runs"]:
            assert r["commit"] and r["command"] and r["date"] and r["machine"] and r["train_seconds"] > 0, r["run"]
            assert "--seeds" in r["command"] or "train.py" in r["command"], r["run"]


def test_the_seeds_table_shows_the_selection_metric_on_dev_beside_test():
    a, b = run(1, 0.92), run(2, 0.90)
    a["dev/accuracy"], b["dev/accuracy"] = 0.80, 0.84
    variant = {**group(a, b), "title": "G, max (variant)", "select": "dev/accuracy", "headline": False}
    lines = results.seeds_table({"machine": "m", "groups": [group(), variant]}).splitlines()
    assert len(lines) == 3, "a group with no runs yet has no row"
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[0] == "G, max (variant)" and cells[2:6] == ["2", "accuracy 82.00 ±2.83", "91.00 ±1.41",
                                                               "92.00, 90.00"]


def test_add_takes_only_runs_of_the_groups_config_with_a_new_seed(tmp_path, monkeypatch):
    """A run of another config (a POS tagger into TREC's row) or of a seed the group has is refused, none recorded."""
    data = {"machine": "m", "groups": [{**group(run(1, 0.9)), "config": "configs/tiny.yaml",
                                        "command": "python train.py configs/tiny.yaml train.epochs=1"}]}
    monkeypatch.setattr(results, "RESULTS", tmp_path / "results.json")
    results.RESULTS.write_text(json.dumps(data))
    sweep.main(["configs/tiny.yaml", "--out", str(tmp_path), "--seeds", "2", "--variant", "a: train.epochs=1"])
    seed2 = tmp_path / "a-seed2"
    results.main(["add", "g", str(seed2), str(seed2), "--command", "x", "--commit", "abc1234"])
    assert [r["seed"] for r in results.load()["groups"][0]["runs"]] == [1, 2]
    recorded = results.RESULTS.read_text()
    other = tmp_path / "b-seed2"
    shutil.copytree(seed2, other)
    with pytest.raises(RunDirError, match=f"{other}: group g has a run of seed 2 already \\(a-seed2\\)"):
        results.main(["add", "g", str(other), "--command", "x", "--commit", "abc1234"])
    config = (other / "config.yaml").read_text().replace("seed: 2", "seed: 3")
    (other / "config.yaml").write_text(config.replace("hidden_size: 16", "hidden_size: 32"))
    with pytest.raises(RunDirError, match=f"{other} is not a run of group g \\(`python train.py configs/tiny.yaml "
                                          f"train.epochs=1`\\): model.hidden_size=32 in the run, 16 in the group's$"):
        results.main(["add", "g", str(other), "--command", "x", "--commit", "abc1234"])
    (other / "config.yaml").write_text(config.replace("tiny_pos", "trec"))
    with pytest.raises(RunDirError, match="data.name='trec' in the run, 'tiny_pos' in the group's"):
        results.main(["add", "g", str(other), "--command", "x", "--commit", "abc1234"])
    assert results.RESULTS.read_text() == recorded


@pytest.mark.parametrize("argv, message", [
    (["add", "trec", "no/such/run", "--command", "x", "--commit", "abc1234"],
     "error: no/such/run: no metrics.json: not a finished run"),
    (["add", "no_group", "no/such/run", "--command", "x", "--commit", "abc1234"], "error: no group 'no_group' in ")])
def test_a_user_error_is_one_line(argv, message):
    done = subprocess.run([sys.executable, "-m", "scripts.results", *argv], capture_output=True, text=True)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1 and done.stderr.startswith(message), done.stderr


def test_a_reader_that_leaves_ends_the_table_quietly():
    """`python -m scripts.results table | head -1`: no BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "scripts.results", "table"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 128 + signal.SIGPIPE and proc.stderr.read() == ""
