"""What TensorBoard shows beyond scalars: per-label scores, a confusion matrix, example predictions,
the word embeddings in the projector, and the run's config + final metrics in the HParams tab."""
from __future__ import annotations

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support  # noqa: E402

from data.batching import collate  # noqa: E402
from . import metrics  # noqa: E402


def log_label_scores(writer, task: str, gold, pred, label_names: list[str], step: int) -> None:
    """Per-label F1 (taggers and classifiers) and, for classifiers, the confusion matrix as a figure."""
    g, p = metrics.flatten(task, gold, pred)
    ids = list(range(len(label_names)))
    _, _, f1, _ = precision_recall_fscore_support(g, p, labels=ids, zero_division=0)
    for name, value in zip(label_names, f1):
        writer.add_scalar(f"dev_f1/{name}", float(value), step)
    if task == "classification":
        writer.add_figure("dev/confusion_matrix", confusion_figure(confusion_matrix(g, p, labels=ids), label_names), step)


def confusion_figure(cm, label_names: list[str]):
    size = 1.2 + 0.5 * len(label_names)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(label_names)), label_names, rotation=90)
    ax.set_yticks(range(len(label_names)), label_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color="white" if v > cm.max() / 2 else "black")
    fig.tight_layout()
    return fig


def log_examples(writer, model, examples: list[dict], label_names: list[str], step: int, device) -> None:
    """A few dev sentences with gold and predicted labels, as a markdown table (errors in bold)."""
    model.eval()
    pred = model.predict(collate([{"ids": ex["ids"]} for ex in examples]).to(device))
    rows = ["| sentence | gold | predicted |", "|---|---|---|"]
    for ex, p in zip(examples, pred):
        if isinstance(p, list):  # tagging: token/TAG, wrong tags in bold
            text = " ".join(f"{t}/{label_names[y]}" if y == gold else f"**{t}/{label_names[y]}**"
                            for t, y, gold in zip(ex["tokens"], p, ex["label_ids"]))
            rows.append(f"| {text} | {sum(y == g for y, g in zip(p, ex['label_ids']))}/{len(p)} right | |")
        else:
            gold = label_names[ex["label_ids"]] if ex["label_ids"] >= 0 else "(unseen)"
            mark = "" if p == ex["label_ids"] else "**"
            rows.append(f"| {' '.join(ex['tokens'])} | {gold} | {mark}{label_names[p]}{mark} |")
    writer.add_text("dev/examples", "\n".join(rows), step)


def log_embeddings(writer, model, words, step: int, max_words: int = 2000) -> None:
    """The most frequent words' embeddings, for the projector (PAD and UNK included)."""
    n = min(max_words, len(words))
    writer.add_embedding(model.encoder.embedding.weight[:n].detach().cpu(), metadata=words.itos[:n],
                         tag="word_embeddings", global_step=step)


def log_hparams(writer, flat_config: dict, results: dict) -> None:
    """Config + final metrics, so runs compare in the HParams tab."""
    scores = {f"hparam/{k}": v for k, v in results.items() if "/" in k}
    writer.add_hparams({k: "none" if v is None else v for k, v in flat_config.items()}, scores, run_name=".")
