import pytest

import scripts.ablation as ablation
from errors import RunDirError
from tests.fixtures import fixture_data


@pytest.mark.part("classification")
def test_ablation_table_from_real_runs(tmp_path):
    table = ablation.main(["configs/tiny.yaml", *fixture_data("questions"), "train.epochs=1",
                           "--seeds", "1", "2", "--vectors", "h_n", "output_last", "--out", str(tmp_path)])
    lines = table.splitlines()
    assert len(lines) == 4 and "the bug" in lines[3]
    assert (tmp_path / "output_last-seed2" / "metrics.json").exists()
    assert (tmp_path / "ablation.md").read_text().strip() == table


def test_an_unknown_metric_is_refused_before_any_training(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        ablation.main(["configs/tiny.yaml", "--metric", "f1", "--out", str(tmp_path)])
    assert e.value.code == 2 and not any(tmp_path.iterdir())
    err = capsys.readouterr().err
    assert "argument --metric: invalid choice: 'f1'" in err and "'test/accuracy'" in err


@pytest.mark.part("classification")
def test_a_run_of_other_settings_is_refused_not_reused(tmp_path):
    argv = ["configs/tiny.yaml", *fixture_data("questions"), "--seeds", "1", "--vectors", "h_n", "--out", str(tmp_path)]
    ablation.main([*argv, "train.epochs=1"])
    with pytest.raises(RunDirError, match=r"h_n-seed1 holds a run with other settings \(train.epochs=1 there, 2 now\)"):
        ablation.main([*argv, "train.epochs=2"])
