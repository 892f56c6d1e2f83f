"""data.hub_id (data/hub.py, a part): any `datasets.load_dataset` path -> the readers' example columns, here a local
parquet folder and the parquet builder on one file."""
from collections import Counter

import datasets
import pytest

import train

from data.config import DataConfig, task_of
from tests.fixtures import TINY
from tests.test_layouts import splits_of, train_one_step
from training.checkpoint import load_checkpoint
from training.config import load_config


def write_parquet(path, columns: dict, features: datasets.Features):
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_dict(columns, features=features).to_parquet(str(path))


def test_hub_id_local_parquet_folder_tagging(tmp_path):
    names = ["O", "B-PER", "I-PER"]
    features = datasets.Features({"words": datasets.Sequence(datasets.Value("string")),
                                  "ner": datasets.Sequence(datasets.ClassLabel(names=names))})
    sentences = {"words": [["Ann", "Lee", "sings"], ["he", "runs"], ["Bo", "sleeps"]] * 4,
                 "ner": [[1, 2, 0], [0, 0], [1, 0]] * 4}
    write_parquet(tmp_path / "hub" / "train.parquet", sentences, features)
    write_parquet(tmp_path / "hub" / "test.parquet", {k: v[:3] for k, v in sentences.items()}, features)
    overrides = ["data.name=mine", f"data.hub_id={tmp_path / 'hub'}", "data.task=tagging", "data.token_column=words",
                 "data.tag_column=ner", "data.dev_fraction=0.25", "data.limit=8"]
    assert task_of(load_config("configs/tiny.yaml", overrides).data) == "tagging"   # no data.format needed
    dd = splits_of(overrides)
    assert {s: len(d) for s, d in dd.items()} == {"train": 8, "validation": 3, "test": 3}  # dev held out, limit
    assert dd["test"][0] == {"tokens": ["Ann", "Lee", "sings"], "tags": ["B-PER", "I-PER", "O"]}  # ClassLabel names
    assert 0.0 <= train_one_step(tmp_path, overrides)["test/accuracy"] <= 1.0
    with pytest.raises(ValueError,
                       match=r"split 'train': no column \['tokens', 'tags'\].*Set data.token_column, data.tag_column"):
        splits_of(overrides[:3])


def test_hub_id_parquet_builder_one_file_split_by_test_fraction(tmp_path):
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["negative", "positive"])})
    write_parquet(tmp_path / "all.parquet", {"sentence": [f"review {i} wasn't {'good' if i % 4 else 'bad'}!"
                                                          for i in range(40)],
                                             "label": [int(i % 4 != 0) for i in range(40)]}, features)
    overrides = ["data.name=reviews", "data.hub_id=parquet", "data.task=classification", f"data.root={tmp_path}",
                 "data.train_file=all.parquet", "data.text_column=sentence", "data.test_fraction=0.2",
                 "data.dev_fraction=0.2", "data.limit=null"]
    dd = splits_of(overrides)
    assert Counter(dd["test"]["label"]) == {"positive": 6, "negative": 2}         # stratified, names not ids
    assert {s: len(d) for s, d in dd.items()} == {"train": 24, "validation": 8, "test": 8}
    assert all(t[2:4] == ["was", "n't"] and t[-1] == "!" for d in dd.values() for t in d["tokens"])  # raw: ptb
    run = tmp_path / "tiny"  # tiny.yaml's data.format (conllu: tokens) left in: data.hub_id reads, raw text
    train.main([TINY, *overrides, "data.validation_file=null", "data.test_file=null", "train.max_steps=1", "--run-dir",
                str(run)])
    assert load_checkpoint(run / "best.pt")["config"]["data"]["pretokenized"] is False
    assert 0.0 <= train_one_step(tmp_path, overrides)["test/accuracy"] <= 1.0
    with pytest.raises(ValueError, match="data.hub_id needs data.task"):
        DataConfig(name="reviews", hub_id="parquet")
    with pytest.raises(ValueError, match=r"data.encoding is for format conllu / .* class_folders, not data.hub_id"):
        DataConfig(name="reviews", hub_id="parquet", task="classification", encoding="cp1252")
