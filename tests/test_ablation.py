import scripts.ablation as ablation


def test_ablation_table_from_real_runs(tmp_path):
    table = ablation.main(["configs/tiny.yaml", "data.name=trec", "data.limit=200", "train.epochs=1",
                           "--seeds", "1", "2", "--vectors", "h_n", "output_last", "--out", str(tmp_path)])
    lines = table.splitlines()
    assert len(lines) == 4 and "the bug" in lines[3]
    assert (tmp_path / "output_last-seed2" / "metrics.json").exists()
    assert (tmp_path / "ablation.md").read_text().strip() == table
