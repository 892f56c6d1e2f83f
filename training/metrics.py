"""Metrics of gold and predicted ``{field: values}`` -> flat dicts of scalars (docs/training.md lists them), and a
human-readable report. A gold label never seen in training has an id past the model's and its name in the label list
(`data.vocab.Vocabs.scored_names`): an error everywhere, and a class of its own.
"""
from __future__ import annotations

import importlib.util
from itertools import chain

from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

from errors import ConfigError

MAX_CONFUSION = 50  # label sets larger than this get no confusion matrix in the report (unreadable)
METRIC_NAMES = ("accuracy", "macro_f1", "entity_f1", "entity_precision", "entity_recall", "intent_accuracy",
                "intent_macro_f1", "slot_accuracy", "slot_macro_f1", "slot_f1", "slot_precision", "slot_recall",
                "exact_match")


def flatten(field: str, gold: list, pred: list) -> tuple[list, list]:
    """Tags compare token by token; labels sentence by sentence."""
    if field != "tags":
        return list(gold), list(pred)
    if any(len(g) != len(p) for g, p in zip(gold, pred)):
        raise ValueError("gold and predicted tag sequences differ in length")
    return list(chain.from_iterable(gold)), list(chain.from_iterable(pred))


def bio(field: str, names: list[str]) -> bool:
    """A tag field in BIO form: entity-level scores apply (data/tags.py, the tagging task's, is read only for tags)."""
    if field != "tags" or importlib.util.find_spec("data.tags") is None:  # a copy without the tagging task
        return False
    from data.tags import is_bio
    return is_bio(names)


def field_metrics(field: str, gold: list, pred: list, names: list[str]) -> dict[str, float]:
    """accuracy and macro-F1 (per token for tags); entity scores for BIO tags (seqeval, strict IOB2)."""
    g, p = flatten(field, gold, pred)
    out = {"accuracy": float(accuracy_score(g, p)),
           "macro_f1": float(f1_score(g, p, labels=list(range(len(names))), average="macro", zero_division=0))}
    if bio(field, names):
        from .entities import entity_metrics  # BIO tags only: seqeval
        out.update(entity_metrics(gold, pred, names))
    return out


def compute(gold: dict, pred: dict, label_names: dict[str, list[str]]) -> dict[str, float]:
    """Flat metrics of the one label field; a joint model's (two fields): `entities.joint_metrics`."""
    if len(label_names) > 1:
        from .entities import joint_metrics  # the tagging task's file: a joint model's slots are a tagger's
        return joint_metrics(gold, pred, label_names)
    (field, names), = label_names.items()
    return field_metrics(field, gold[field], pred[field], names)


def available(label_names: dict[str, list[str]]) -> list[str]:
    """The metric names `compute` returns for these label sets (what train.select_metric may be)."""
    fake = {f: [[0]] if f == "tags" else [0] for f in label_names}
    return list(compute(fake, fake, label_names))


def check_select_metric(name: str, label_names: dict[str, list[str]]) -> str:
    """The dev metric that picks best.pt (train.select_metric) for these label sets."""
    return resolve_select_metric(name, available(label_names))


AUTO = ("exact_match", "entity_f1", "accuracy")  # auto: a joint model's exact match, BIO tags' entity F1, accuracy


def resolve_select_metric(name: str, names: list[str]) -> str:
    """``name`` if it is among the metric ``names`` a run reports (else a ConfigError); auto: `AUTO`'s first there."""
    if name == "auto":
        return next(m for m in AUTO if m in names)
    if name not in names:
        raise ConfigError(f"train.select_metric={name} is not a metric of this task; choose from {', '.join(names)}")
    return name


def report(gold: dict, pred: dict, label_names: dict[str, list[str]]) -> str:
    """Per field: per-label precision/recall/F1, the confusion matrix, and for BIO tags seqeval's per-type report."""
    parts = []
    for field, names in label_names.items():
        g, p = flatten(field, gold[field], pred[field])
        ids = list(range(len(names)))
        title = f"== {field} ({'per token' if field == 'tags' else 'per sentence'}) =="
        text = classification_report(g, p, labels=ids, target_names=names, digits=4, zero_division=0)
        parts.append(f"{title}\n{text}")
        if bio(field, names):
            from .entities import entity_report
            parts.append("== entities (seqeval, strict IOB2) ==\n" + entity_report(gold[field], pred[field], names))
        if len(names) <= MAX_CONFUSION:
            parts.append(_confusion_text(confusion_matrix(g, p, labels=ids), names))
        else:
            parts.append(f"(no confusion matrix: {len(names)} labels > {MAX_CONFUSION})\n")
    if len(label_names) > 1:
        from .entities import exact_match
        parts.append(f"exact match (every field right): {exact_match(gold, {f: pred[f] for f in gold}):.4f}\n")
    return "\n".join(parts)


def _confusion_text(cm, names: list[str]) -> str:
    width = max(6, max(len(n) for n in names) + 1)
    rows = ["gold \\ pred".ljust(width) + "".join(n[:width - 1].rjust(width) for n in names)]
    rows += [n.ljust(width) + "".join(str(v).rjust(width) for v in row) for n, row in zip(names, cm)]
    return "confusion matrix (rows: gold, columns: predicted)\n" + "\n".join(rows) + "\n"
