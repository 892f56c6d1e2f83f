"""Raw text in runs: the tokenizer is recorded in the checkpoints (ptb for typed text unless set, for token files
too), a user's raw csv text is tokenized in training as predict.py tokenizes it, ``--pretokenized`` splits on
whitespace."""
import csv
import io
import json

import pytest

import predict
from inference.predictor import Predictor
import train
from data import text
from data.datasets import load_splits
from training.checkpoint import load_checkpoint
from training.config import load_config
from tests.fixtures import TINY, named_data

TYPED = "What's the capital of France?"


@pytest.mark.part("tagging", "joint", "classification")
@pytest.mark.parametrize("run_fixture,tokenizer,pretokenized", [
    ("tagger_run", "ptb", True),           # CoNLL-U: tokens as written; typed text split by ptb at prediction
    ("classifier_run", "ptb", False),      # a CSV of raw text: the default tokenizer, in training and prediction
    ("joint_run", "ptb", True)])
def test_checkpoints_record_the_tokenizer(request, run_fixture, tokenizer, pretokenized):
    run = request.getfixturevalue(run_fixture)
    for name in ("best.pt", "last.pt"):
        data = load_checkpoint(run / name)["config"]["data"]
        assert (data["tokenizer"], data["pretokenized"]) == (tokenizer, pretokenized)
    assert f"tokenizer: {tokenizer}" in (run / "config.yaml").read_text()


@pytest.mark.part("classification")
def test_predict_tokenizes_as_the_run_and_pretokenized_splits_on_whitespace(classifier_run, capsys, tmp_path):
    predictor = Predictor.from_run_dir(classifier_run)
    assert predictor.predict([TYPED])[0]["tokens"] == ["What", "'s", "the", "capital", "of", "France", "?"]
    path = tmp_path / "in.txt"
    path.write_text(TYPED + "\nWhat 's the capital of France ?\n", encoding="utf-8")
    for flags, first in (([], ["What", "'s"]), (["--pretokenized"], ["What's"])):
        capsys.readouterr()
        predict.main([str(classifier_run), str(path), "--format", "json", *flags])
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert lines[0]["tokens"][:len(first)] == first
        assert lines[1]["tokens"] == ["What", "'s", "the", "capital", "of", "France", "?"]  # tokens stay tokens


CSV = ('text,label\n"What\'s the capital of France?",LOC\n"Who wrote “Hamlet”?",HUM\nHow far is Aspen?,NUM\n'
       '"Where\'s Denver, Colorado?",LOC\n"Who\'s the U.S. president?",HUM\nHow many states are there?,NUM\n')


@pytest.mark.part("classification")
def test_raw_csv_text_is_tokenized_in_training_and_prediction_alike(tmp_path):
    (tmp_path / "q.csv").write_text(CSV, encoding="utf-8")
    files = ["data.name=questions", "data.format=csv", f"data.root={tmp_path}", "data.train_file=q.csv",
             "data.test_file=q.csv", "data.dev_fraction=0.34"]
    run = tmp_path / "run"
    train.main(["configs/tiny.yaml", *files, "train.max_steps=1", "train.batch_size=4", "--run-dir", str(run)])
    ckpt = load_checkpoint(run / "best.pt")
    assert (ckpt["config"]["data"]["tokenizer"], ckpt["config"]["data"]["pretokenized"]) == ("ptb", False)
    dd = load_splits(load_config(base=ckpt["config"]).data)
    tokens = {t for split in dd.values() for ts in split["tokens"] for t in ts}
    assert {"'s", "?", "``", "''", "U.S.", "Aspen"} <= tokens and not {"France?", "Aspen?", "What's"} & tokens
    assert {"'s", "?"} <= set(ckpt["words"]["itos"])
    texts = [row["text"] for row in csv.DictReader(io.StringIO(CSV))]
    predicted = Predictor.from_run_dir(run).predict(texts)
    assert [r["tokens"] for r in predicted] == dd["test"]["tokens"] == [text.split(t, "ptb") for t in texts]
    as_tokens = load_splits(load_config("configs/tiny.yaml", [*files, "data.pretokenized=true"]).data)["test"]
    assert as_tokens["tokens"][0] == TYPED.split()                  # data.pretokenized: true keeps whitespace


@pytest.mark.part("tagging", "classification")
@pytest.mark.needs_data("ud_en_ewt", "trec")
def test_typed_text_figures_on_tiny_runs(tmp_path):
    """scripts/typed_text.py: the issue's whitespace figure (404 of 2,077 UD EWT test sentences), and better
    figures with the preset tokenizer: tokens, and UPOS over gold words from raw text."""
    from scripts import typed_text

    tagger_run, classifier_run = tmp_path / "ud", tmp_path / "trec"
    train.main([TINY, *named_data("ud_en_ewt"), "data.limit=200", "train.epochs=2", "--run-dir", str(tagger_run)])
    train.main([TINY, *named_data("trec"), "data.limit=300", "data.lowercase=true", "train.epochs=2",
                "--run-dir", str(classifier_run)])
    ud = typed_text.report(tagger_run)
    plain, ptb = ud["whitespace"], ud["ptb_straight"]
    assert (plain["same_tokens"], plain["sentences"], plain["words"]) == (404, 2077, 25094)
    assert ptb["same_tokens"] > 0.8 * 2077
    assert ptb["upos_accuracy"] > plain["upos_accuracy"]
    trec = typed_text.report(classifier_run)
    assert trec["same_tokens"] >= 0.99 and 0 <= trec["typed"] <= 1 and "hand_written" in trec
