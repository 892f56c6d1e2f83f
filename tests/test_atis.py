"""ATIS joint intent + slots: the seq.in/seq.out/label reader on the real files (SOURCE.md counts), labels unseen
in training given ids past the model's and counted as errors; and a joint model end to end through train.main
(fixture slots)."""
import json

import pytest

import evaluate
from data.datasets import prepare
from data.config import DataConfig, task_of
from training.checkpoint import load_checkpoint

# SOURCE.md: utterances, tokens, distinct intents, distinct slot tags
COUNTS = {"train": (4478, 50497, 21, 120), "valid": (500, 5703, 16, 96), "test": (893, 9164, 20, 101)}
UNSEEN_TEST_INTENTS = {"atis_airfare#atis_flight", "atis_day_name", "atis_flight#atis_airline",
                       "atis_flight_no#atis_airline"}
UNSEEN_TEST_TAGS = {"B-booking_class", "B-compartment", "B-flight", "B-stoploc.airport_code", "I-flight_number",
                    "I-state_name"}


@pytest.mark.part("joint")
@pytest.mark.needs_data("atis")
@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_reader_counts(shared_data, split):
    from data.formats.seq_in_out import read_seq_in_out
    ex = read_seq_in_out(shared_data / "atis" / split)
    n, tokens, intents, tags = COUNTS[split]
    assert len(ex) == n and sum(len(e["tokens"]) for e in ex) == tokens
    assert len({e["label"] for e in ex}) == intents and len({t for e in ex for t in e["tags"]}) == tags
    assert all(len(e["tokens"]) == len(e["tags"]) for e in ex)


@pytest.mark.part("joint")
@pytest.mark.needs_data("atis")
def test_first_example(shared_data):
    from data.formats.seq_in_out import read_seq_in_out
    first = read_seq_in_out(shared_data / "atis/train")[0]
    assert first["tokens"] == "i want to fly from baltimore to dallas round trip".split()
    assert first["tags"][5:] == ["B-fromloc.city_name", "O", "B-toloc.city_name", "B-round_trip", "I-round_trip"]
    assert first["label"] == "atis_flight"


@pytest.mark.needs_data("atis")
def test_unseen_labels_get_ids_past_the_models(capsys):
    cfg = DataConfig(name="atis")
    assert task_of(cfg) == "joint"
    dd, vocabs = prepare(cfg)
    assert "test has label never seen in training" in capsys.readouterr().out
    test, intents = dd["test"], len(vocabs.labels["label"])
    unseen_intents = [y for y, ex in zip(test["label_ids"], test["label"]) if ex in UNSEEN_TEST_INTENTS]
    assert len(unseen_intents) == sum(y >= intents for y in test["label_ids"]) == 5
    names = vocabs.scored_names()["label"]
    assert {names[y] for y in unseen_intents} == UNSEEN_TEST_INTENTS <= set(vocabs.unseen["label"])
    unseen_tags = {t for ids, tags in zip(test["tag_ids"], test["tags"]) for i, t in zip(ids, tags) if i >= 120}
    assert unseen_tags == UNSEEN_TEST_TAGS <= set(vocabs.unseen["tags"])
    assert set(vocabs.labels) == {"label", "tags"} and len(vocabs.labels["tags"]) == 120


@pytest.mark.part("joint")
def test_joint_run_metrics_and_evaluate(joint_run):
    metrics = json.loads((joint_run / "metrics.json").read_text())
    for split in ("dev", "test"):
        assert {f"{split}/{k}" for k in ("intent_accuracy", "slot_f1", "exact_match")} <= set(metrics)
    ckpt = load_checkpoint(joint_run / "best.pt")
    assert ckpt["task"] == "joint" and set(ckpt["labels"]) == {"label", "tags"} and ckpt["chars"] is not None
    assert "transition_penalty" in " ".join(ckpt["model"])              # the slot head's CRF
    again = evaluate.main([str(joint_run), "--split", "test"])
    assert again["exact_match"] == pytest.approx(metrics["test/exact_match"], abs=0)
    report = (joint_run / "report_test.txt").read_text()
    assert "== label (per sentence) ==" in report and "entities (seqeval, strict IOB2)" in report
