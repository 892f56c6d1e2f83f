"""What TensorBoard shows beyond scalars: per-label scores, a confusion matrix, example predictions,
the word embeddings in the projector, and the run's config + final metrics in the HParams tab."""
from __future__ import annotations

from matplotlib.figure import Figure  # a figure of its own: pyplot keeps none open
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix, precision_recall_fscore_support

from data.batching import collate
from . import metrics


def log_label_scores(writer, gold: dict, pred: dict, label_names: dict[str, list[str]], step: int) -> None:
    """Per field: per-label F1 (per token for tags; none over MAX_CONFUSION labels), per-entity-type F1 for BIO tags,
    and for sentence labels the confusion matrix as a figure."""
    for field, names in label_names.items():
        prefix = "" if len(label_names) == 1 else f"{field}/"
        g, p = metrics.flatten(field, gold[field], pred[field])
        ids = list(range(len(names)))
        if len(names) <= metrics.MAX_CONFUSION:
            _, _, f1, _ = precision_recall_fscore_support(g, p, labels=ids, zero_division=0)
            for name, value in zip(names, f1):
                writer.add_scalar(f"dev_f1/{prefix}{name}", float(value), step)
            if field == "label":
                cm = confusion_matrix(g, p, labels=ids)
                writer.add_figure(f"dev/{prefix}confusion_matrix", confusion_figure(cm, names), step)
        if metrics.bio(field, names):
            from .entities import entity_f1_by_type  # BIO tags only
            for entity_type, f1 in entity_f1_by_type(gold[field], pred[field], names).items():
                writer.add_scalar(f"dev_entity_f1/{entity_type}", f1, step)


def confusion_figure(cm, label_names: list[str]) -> Figure:
    size = 1.2 + 0.5 * len(label_names)
    fig = Figure(figsize=(size, size))
    ConfusionMatrixDisplay(cm, display_labels=label_names).plot(ax=fig.subplots(), cmap="Blues", colorbar=False,
                                                                xticks_rotation="vertical", text_kw={"fontsize": 8})
    fig.tight_layout()
    return fig


def log_examples(writer, model, examples: list[dict], label_names: dict[str, list[str]], step: int, device) -> None:
    """A few dev sentences (rows of a numericalised split) with gold and predicted labels, errors in bold."""
    model.eval()
    pred = model.predict(collate(examples).to(device))
    rows = ["| sentence | gold | predicted |", "|---|---|---|"]
    for i, ex in enumerate(examples):
        text, gold, guess = " ".join(ex["tokens"]), "", ""
        if "tags" in pred:  # token/TAG, wrong tags in bold
            names, tags = label_names["tags"], pred["tags"][i]
            text = " ".join(f"{t}/{names[y]}" if y == g else f"**{t}/{names[y]}**"
                            for t, y, g in zip(ex["tokens"], tags, ex["tag_ids"]))
            gold = f"{sum(y == g for y, g in zip(tags, ex['tag_ids']))}/{len(tags)} tags right"
        if "label" in pred:
            names, y, g = label_names["label"], pred["label"][i], ex["label_ids"]
            mark = "" if y == g else "**"
            gold = " ".join(filter(None, [names[g] if g >= 0 else "(unseen)", gold]))
            guess = f"{mark}{names[y]}{mark}"
        rows.append(f"| {text} | {gold} | {guess} |")
    writer.add_text("dev/examples", "\n".join(rows), step)


def log_embeddings(writer, model, words, step: int, max_words: int = 2000) -> None:
    """The most frequent words' embeddings, for the projector (PAD and UNK included)."""
    n = min(max_words, len(words), model.encoder.embedding.num_embeddings)
    writer.add_embedding(model.encoder.embedding.weight[:n].detach().cpu(), metadata=words.itos[:n],
                         tag="word_embeddings", global_step=step)


def log_hparams(writer, config: dict, results: dict) -> None:
    """Config (as "model.hidden_size": 256, ...) + final metrics, so runs compare in the HParams tab."""
    scores = {f"hparam/{k}": v for k, v in results.items() if "/" in k}
    writer.add_hparams({f"{section}.{k}": "none" if v is None else str(v) if isinstance(v, list) else v
                        for section, values in config.items() for k, v in values.items()},
                       scores, run_name=".")  # a list (data.classes): its text
