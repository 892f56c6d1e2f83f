"""A user's first config (issue 25): their own files and nothing else fill the data settings, BIO tags select on
entity F1 by default, the committed example configs train on the fixture files, a release's per-class files read
as they come, and every run says why it stopped."""
import json

import pytest

from errors import ConfigError
import predict
import train
from tests.fixtures import FIXTURES, by_part, fixture_data, with_chars
from training.config import load_config
from training.loop import Progress, stop_reason
from training.config import TrainConfig
from training.metrics import check_select_metric

TINY_MODEL = ["model.embed_dim=8", "model.hidden_size=8", *with_chars(4), "train.epochs=2"]


@pytest.mark.part("classification")
def test_a_csv_config_without_a_name_trains_on_the_users_files_only(tmp_path, monkeypatch, capsys):
    """The README's CSV line without data.name: once no preset filled the gaps (UD EWT's dev file did)."""
    for split in ("train", "test"):
        (tmp_path / f"{split}.csv").write_text((FIXTURES / "questions" / f"{split}.csv").read_text())
    (tmp_path / "mine.yaml").write_text("data: {format: csv, train_file: train.csv, test_file: test.csv}\n")
    monkeypatch.chdir(tmp_path)                                  # relative paths: from where train.py runs
    results = train.main(["mine.yaml", *TINY_MODEL, "--run-dir", "run"])
    out = capsys.readouterr().out
    assert "classification on data 'train.csv': train 180, validation 20, test 50" in out  # dev held out of train
    assert {"test/accuracy", "test/macro_f1"} <= set(results)
    config = (tmp_path / "run" / "config.yaml").read_text()
    assert "name: null" in config and "validation_file: null" in config and "tokenizer: ptb" in config


def test_a_config_without_data_names_what_to_set(tmp_path):
    """Once an empty config trained UD EWT (data.name's old default) and said nothing."""
    (tmp_path / "model_only.yaml").write_text("model: {hidden_size: 8}\n")
    with pytest.raises(ConfigError, match=r"^no data given: set data.name to a named dataset \(atis, .*\), or for "
                                          r"your own files data.format with data.train_file and data.test_file"):
        load_config(tmp_path / "model_only.yaml")
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(ConfigError, match=r"empty: a config maps sections to settings, at least its data"):
        load_config(tmp_path / "empty.yaml")


@pytest.mark.parametrize("layout,metric", by_part(("ner", "entity_f1"), ("pos", "accuracy"),
                                                  ("questions", "accuracy"), ("slots", "exact_match")))
def test_auto_selects_entity_f1_for_bio_tags_exact_match_for_joint_else_accuracy(layout, metric):
    from data.datasets import prepare
    _, vocabs = prepare(load_config("configs/tiny.yaml", fixture_data(layout)).data)
    assert check_select_metric("auto", vocabs.label_names()) == metric
    other = "slot_f1" if layout == "slots" else "macro_f1"          # named: that one, if the task reports it
    assert check_select_metric(other, vocabs.label_names()) == other
    with pytest.raises(ConfigError, match="is not a metric of this task; choose from"):
        check_select_metric({"ner": "exact_match", "slots": "accuracy"}.get(layout, "entity_f1"), vocabs.label_names())


@pytest.mark.parametrize("config,metric", [
    pytest.param("example_csv_classifier", "accuracy", marks=pytest.mark.part("classification")),
    pytest.param("example_conll_ner", "entity_f1", marks=pytest.mark.part("tagging")),
    pytest.param("example_slots_joint", "exact_match", marks=pytest.mark.part("joint"))])
def test_example_configs_train_then_predict(tmp_path, capsys, config, metric):
    run = tmp_path / "run"
    results = train.main([f"configs/{config}.yaml", "model.embed_dim=16", "model.hidden_size=16",
                          *with_chars(8), "train.epochs=3", "train.lr=0.02", "--run-dir", str(run)])
    out = capsys.readouterr().out
    assert f"dev {metric} " in out and f"(dev {metric} " in out.splitlines()[-1]   # selected on it
    assert json.loads((run / "metrics.json").read_text()) == results and f"test/{metric}" in results
    sentence = {"example_csv_classifier": "Who wrote Hamlet?", "example_conll_ner": "Anna Schmidt visited Paris .",
                "example_slots_joint": "which airlines fly from dallas to denver"}
    (tmp_path / "in.txt").write_text(sentence[config] + "\n")
    predict.main([str(run), str(tmp_path / "in.txt")])
    line = capsys.readouterr().out.strip()
    assert line.endswith(sentence[config].replace("?", " ?")) if config.endswith("classifier") else \
        line.count("/") == len(sentence[config].split())         # one tag per token: "Anna/B-PER ..."
    assert line.startswith("atis_") == config.endswith("joint")  # and the joint model's intent first


def test_every_run_says_why_it_stopped(tmp_path, capsys):
    train.main(["configs/tiny.yaml", "train.epochs=2", "--run-dir", str(tmp_path / "run")])
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("stopped after epoch 2: train.epochs=2 done; "
                                                                       "best.pt is epoch ")
    cfg = TrainConfig(epochs=10, patience=3, max_steps=500, max_minutes=1.0)
    assert stop_reason(Progress(epoch=4, step=90, seconds=5.0), cfg) is None
    assert stop_reason(Progress(epoch=11, step=90), cfg) == "train.epochs=10 done"
    assert stop_reason(Progress(epoch=5, bad_epochs=3), cfg) == ("early stopping: 3 epochs without a better dev "
                                                                  "score (train.patience=3)")
    assert stop_reason(Progress(epoch=5, step=500), cfg) == "train.max_steps=500 reached"
    assert stop_reason(Progress(epoch=5, seconds=61.0), cfg) == "train.max_minutes=1 reached (1.0 min of training)"


@pytest.mark.part("classification")
def test_a_release_of_per_class_files_reads_as_it_comes(tmp_path):
    """SUBJ (subj.objective, subj.subjective beside subjdata.README.1.0) and MR (rt-polarity.neg / .pos beside a
    README): the label is the part of the names that differs, and a release's README or LICENSE is not a class."""
    from data.formats.class_files import read_class_files
    subj = tmp_path / "subj"
    subj.mkdir()
    (subj / "subj.objective").write_text("the film follows a family\nit opens in paris\n")
    (subj / "subj.subjective").write_text("a gorgeous , witty film\n")
    (subj / "subjdata.README.1.0").write_text("Subjectivity dataset v1.0\n")
    (subj / "LICENSE").write_text("terms\n")
    examples = read_class_files(subj)
    assert [e["label"] for e in examples] == ["objective", "objective", "subjective"]
    mr = tmp_path / "mr"
    mr.mkdir()
    for name, text in {"rt-polarity.neg": "dull\n", "rt-polarity.pos": "fine\n", "README.1.0.txt": "x\n"}.items():
        (mr / name).write_text(text)
    assert {e["label"] for e in read_class_files(mr)} == {"neg", "pos"}
    assert [e["label"] for e in read_class_files(mr, classes=["pos"])] == ["pos"]
    topics = tmp_path / "topics"
    topics.mkdir()
    for name in ("sports.txt", "politics.txt"):
        (topics / name).write_text("a line\n")
    assert {e["label"] for e in read_class_files(topics)} == {"sports", "politics"}


def test_the_fixture_files_are_what_make_fixtures_writes(tmp_path):
    from tests.fixtures import make_fixtures
    make_fixtures.main(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    kept = [p for p in made if (FIXTURES / p.parts[0]).is_dir()]  # a copy of the template may leave a task's out
    assert kept and all((tmp_path / p).read_bytes() == (FIXTURES / p).read_bytes() for p in kept)


@pytest.mark.part("tagging")
def test_the_pos_fixture_reads_as_conllu():
    from data.formats.conllu import read_conllu
    pos = read_conllu(FIXTURES / "pos" / "train.conllu")  # its range lines and empty nodes are skipped
    assert len(pos) == 100 and all(len(e["tokens"]) == len(e["tags"]) for e in pos)
    assert "gone" not in {t for e in pos for t in e["tokens"]}
