"""Entity-level scores of BIO tags (NER, slots): seqeval in strict IOB2 mode, on tag ids. An entity counts only if
its type and both boundaries are right; a predicted I-X that does not continue an X entity starts none. And the joint
model's metrics (intent + slots), which rename them."""
from __future__ import annotations

from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2, Entities

from data.vocab import UNSEEN_LABEL_ID
from .metrics import field_metrics

UNSEEN_TAG = "B-<unseen>"
JOINT_PREFIX = {"label": "intent_", "tags": "slot_"}


def tag_strings(sequences: list[list[int]], names: list[str]) -> list[list[str]]:
    """Tag ids -> tag names for seqeval (-1, a tag never seen in training, -> UNSEEN_TAG)."""
    return [[UNSEEN_TAG if i == UNSEEN_LABEL_ID else names[i] for i in seq] for seq in sequences]


def strict_iob2(seqeval_fn, gold: list[list[int]], pred: list[list[int]], names: list[str], **kwargs):
    """A seqeval function (f1_score, classification_report, ...) on tag ids in strict IOB2 mode: an entity counts
    only if its type and both boundaries are right; a predicted I-X that does not continue an X entity starts none."""
    return seqeval_fn(tag_strings(gold, names), tag_strings(pred, names), mode="strict", scheme=IOB2,
                      zero_division=0, **kwargs)


def entity_metrics(gold: list[list[int]], pred: list[list[int]], names: list[str]) -> dict[str, float]:
    """Entity-level micro precision/recall/F1 (`strict_iob2`)."""
    return {"entity_f1": float(strict_iob2(f1_score, gold, pred, names)),
            "entity_precision": float(strict_iob2(precision_score, gold, pred, names)),
            "entity_recall": float(strict_iob2(recall_score, gold, pred, names))}


def entity_f1_by_type(gold: list[list[int]], pred: list[list[int]], names: list[str]) -> dict[str, float]:
    """{entity type: F1} (`strict_iob2`), seqeval's per-type rows without its micro/macro/weighted averages."""
    by_type = strict_iob2(classification_report, gold, pred, names, output_dict=True)
    return {kind: float(scores["f1-score"]) for kind, scores in by_type.items() if not kind.endswith(" avg")}


def entity_report(gold: list[list[int]], pred: list[list[int]], names: list[str]) -> str:
    """seqeval's per-type report (strict IOB2), or a line saying there is no entity to report (where seqeval fails)."""
    if not any(Entities(tag_strings(seqs, names), IOB2).unique_tags for seqs in (gold, pred)):
        return "(no entity in the gold or the predicted tags)\n"
    return strict_iob2(classification_report, gold, pred, names, digits=4)


def joint_metrics(gold: dict, pred: dict, label_names: dict[str, list[str]]) -> dict[str, float]:
    """Each field's metrics prefixed intent_ and slot_ (slot_f1: the slots' entity F1), plus exact_match."""
    out = {}
    for field, names in label_names.items():
        for k, v in field_metrics(field, gold[field], pred[field], names).items():
            out[JOINT_PREFIX[field] + (k.removeprefix("entity_") if field == "tags" else k)] = v
    out["exact_match"] = exact_match({f: gold[f] for f in label_names}, {f: pred[f] for f in label_names})
    return out


def exact_match(gold: dict, pred: dict) -> float:
    """Fraction of sentences whose every label field is entirely right."""
    n = len(next(iter(gold.values())))
    right = sum(all(gold[f][i] == pred[f][i] for f in gold) for i in range(n))
    return right / max(n, 1)
