"""Metrics from scikit-learn: flat dicts of scalars for logs, and a human-readable report."""
from __future__ import annotations

from itertools import chain

from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score


def flatten(task: str, gold, pred):
    """Tagging compares token by token; classification sentence by sentence."""
    if task == "tagging":
        if any(len(g) != len(p) for g, p in zip(gold, pred)):
            raise ValueError("gold and predicted tag sequences differ in length")
        return list(chain.from_iterable(gold)), list(chain.from_iterable(pred))
    return list(gold), list(pred)


def compute(task: str, gold, pred, num_labels: int) -> dict[str, float]:
    """Tagging: token accuracy and macro-F1 over tags. Classification: accuracy and macro-F1."""
    g, p = flatten(task, gold, pred)
    labels = list(range(num_labels))
    return {"accuracy": float(accuracy_score(g, p)),
            "macro_f1": float(f1_score(g, p, labels=labels, average="macro", zero_division=0))}


def report(task: str, gold, pred, label_names: list[str]) -> str:
    """Per-label precision/recall/F1 and the confusion matrix (rows gold, columns predicted)."""
    g, p = flatten(task, gold, pred)
    labels = list(range(len(label_names)))
    text = classification_report(g, p, labels=labels, target_names=label_names, digits=4, zero_division=0)
    cm = confusion_matrix(g, p, labels=labels)
    width = max(6, max(len(n) for n in label_names) + 1)
    rows = ["gold \\ pred".ljust(width) + "".join(n[:width - 1].rjust(width) for n in label_names)]
    rows += [n.ljust(width) + "".join(str(v).rjust(width) for v in row) for n, row in zip(label_names, cm)]
    return text + "\nconfusion matrix (rows: gold, columns: predicted)\n" + "\n".join(rows) + "\n"
