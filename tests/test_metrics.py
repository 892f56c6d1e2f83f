"""Metrics per label field: seqeval strict IOB2 entity F1 (gold vs gold, a hand-computed perturbation), unseen
labels counted as errors, the joint task's names and exact match."""
import pytest
from seqeval.metrics import f1_score as seqeval_f1

from training import metrics

TAGS = ["O", "B-ORG", "I-ORG", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-LOC", "I-LOC"]
ID = {t: i for i, t in enumerate(TAGS)}
# The first three sentences of CoNLL-2003 eng.train, in IOB2 (5 entities: ORG, MISC, MISC, PER, LOC)
GOLD = [["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"],   # EU rejects German call to boycott British lamb
        ["B-PER", "I-PER"],                                           # Peter Blackburn
        ["B-LOC", "O"]]                                               # BRUSSELS 1996-08-22
# EU: ORG -> PER (type error); rejects: O -> I-MISC after B-PER (strict IOB2: starts no entity);
# Blackburn: I-PER -> O (boundary error: PER "Peter" alone)
PRED = [["B-PER", "I-MISC", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"], ["B-PER", "O"], ["B-LOC", "O"]]


def ids(seqs):
    return [[ID[t] for t in s] for s in seqs]


@pytest.mark.part("tagging")
def test_gold_against_gold_is_perfect():
    m = metrics.compute({"tags": ids(GOLD)}, {"tags": ids(GOLD)}, {"tags": TAGS})
    assert m["entity_f1"] == m["entity_precision"] == m["entity_recall"] == m["accuracy"] == 1.0


@pytest.mark.part("tagging")
def test_perturbation_equals_hand_computed_value():
    # strict: predicted entities PER(EU), MISC(German), MISC(British), PER(Peter), LOC(BRUSSELS) = 5;
    # right: German, British, BRUSSELS = 3 of 5 gold -> P = R = F1 = 3/5
    m = metrics.compute({"tags": ids(GOLD)}, {"tags": ids(PRED)}, {"tags": TAGS})
    assert m["entity_precision"] == pytest.approx(0.6) and m["entity_recall"] == pytest.approx(0.6)
    assert m["entity_f1"] == pytest.approx(0.6)
    assert m["accuracy"] == pytest.approx(10 / 13)                       # 3 of 13 tokens wrong
    # the lenient (conlleval-like) default would count "rejects" as a MISC entity: P = 3/6, F1 = 6/11
    assert seqeval_f1(GOLD, PRED) == pytest.approx(6 / 11)


@pytest.mark.part("tagging")
def test_report_has_per_type_entity_scores():
    text = metrics.report({"tags": ids(GOLD)}, {"tags": ids(PRED)}, {"tags": TAGS})
    assert "entities (seqeval, strict IOB2)" in text and "confusion matrix" in text
    loc = next(line for line in text.splitlines() if line.split()[:1] == ["LOC"])
    assert loc.split()[1:4] == ["1.0000", "1.0000", "1.0000"]


def test_non_bio_tags_get_no_entity_metrics():
    m = metrics.compute({"tags": [[0, 1]]}, {"tags": [[0, 0]]}, {"tags": ["NOUN", "VERB"]})
    assert set(m) == {"accuracy", "macro_f1"} and m["accuracy"] == 0.5


def test_unseen_gold_labels_are_errors():
    # -1: a label never seen in training, without a name (data.vocab.UNSEEN_LABEL_ID)
    m = metrics.compute({"label": [0, -1, 1]}, {"label": [0, 0, 1]}, {"label": ["a", "b"]})
    assert m["accuracy"] == pytest.approx(2 / 3)
    # "c" (id 2): a label never seen in training, named after the model's (Vocabs.scored_names): a class in macro-F1
    m = metrics.compute({"label": [0, 2, 1]}, {"label": [0, 0, 1]}, {"label": ["a", "b", "c"]})
    assert m["accuracy"] == pytest.approx(2 / 3) and m["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)


@pytest.mark.part("tagging")
def test_unseen_gold_tags_are_errors():
    gold, pred = [[ID["B-LOC"], -1, ID["O"]]], [[ID["B-LOC"], ID["B-LOC"], ID["O"]]]
    m = metrics.compute({"tags": gold}, {"tags": pred}, {"tags": TAGS})
    # gold entities LOC + <unseen>; predicted LOC, LOC: one right -> P = R = 1/2
    assert m["entity_precision"] == m["entity_recall"] == pytest.approx(0.5)


@pytest.mark.part("joint")
def test_joint_metric_names_and_exact_match():
    names = {"label": ["flight", "fare"], "tags": ["O", "B-city", "I-city"]}
    gold = {"label": [0, 1, 0], "tags": [[0, 1], [0, 0], [1, 2]]}
    pred = {"label": [0, 1, 1], "tags": [[0, 1], [0, 1], [1, 2]], "probability": [0.9, 0.8, 0.7]}
    m = metrics.compute(gold, pred, names)
    assert set(m) == {"intent_accuracy", "intent_macro_f1", "slot_accuracy", "slot_macro_f1", "slot_f1",
                      "slot_precision", "slot_recall", "exact_match"}
    assert m["exact_match"] == pytest.approx(1 / 3)       # only sentence 0 is entirely right
    assert m["intent_accuracy"] == pytest.approx(2 / 3)
    assert m["slot_f1"] == pytest.approx(2 * (2 / 3) * 1.0 / (2 / 3 + 1.0))   # P = 2/3, R = 2/2
    assert metrics.available(names) == list(m) and set(m) <= set(metrics.METRIC_NAMES)
    assert "exact match" in metrics.report(gold, pred, names)


@pytest.mark.part("tagging")
def test_select_metric_must_exist_for_the_task():
    assert metrics.check_select_metric("entity_f1", {"tags": TAGS}) == "entity_f1"
    with pytest.raises(ValueError, match="not a metric of this task; choose from accuracy, macro_f1$"):
        metrics.check_select_metric("entity_f1", {"tags": ["NOUN", "VERB"]})
    with pytest.raises(ValueError, match="choose from intent_accuracy"):
        metrics.check_select_metric("accuracy", {"label": ["a"], "tags": TAGS})
