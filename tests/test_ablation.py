import pytest

import scripts.ablation as ablation
from tests.fixtures import fixture_data


@pytest.mark.part("classification")
def test_ablation_table_from_real_runs(tmp_path):
    table = ablation.main(["configs/tiny.yaml", *fixture_data("questions"), "train.epochs=1",
                           "--seeds", "1", "2", "--vectors", "h_n", "output_last", "--out", str(tmp_path)])
    lines = table.splitlines()
    assert len(lines) == 4 and "the bug" in lines[3]
    assert (tmp_path / "output_last-seed2" / "metrics.json").exists()
    assert (tmp_path / "ablation.md").read_text().strip() == table
