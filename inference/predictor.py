"""Raw sentences in, labels out: a saved run's model with its vocabularies and tokenizer (`Predictor`).

predict.py is its command line; scripts/typed_text.py uses it too.
"""
from __future__ import annotations

from pathlib import Path

import torch

from data.batching import Batch, collate
from data.encode import encode_tokens
from data.text import SPLIT, split
from data.vocab import Vocab, Vocabs
from inference.run import load_run


def decode_fields(pred: dict[str, list], labels: dict[str, Vocab]) -> list[dict]:
    """A task model's ``predict`` output (ids per label field) -> one dict per sentence with strings:
    "label" and "probability" (softmax probability of the argmax) for a sentence label, "tags" for token tags."""
    out = [{} for _ in next(iter(pred.values()))]
    if "label" in pred:
        for o, y, p in zip(out, pred["label"], pred["probability"]):
            o.update(label=labels["label"].itos[y], probability=p)
    for o, ids in zip(out, pred.get("tags", ())):
        o["tags"] = labels["tags"].decode(ids)
    return out


class Predictor:
    """A task model (`models.tasks`, put in eval mode on ``device``) with its run's task, vocabularies,
    ``data.lowercase`` and ``data.tokenizer``: load once, then `predict` ``batch_size`` sentences per forward pass.
    """

    def __init__(self, model: torch.nn.Module, task: str, vocabs: Vocabs, lowercase: bool,
                 device: str | torch.device = "cpu", batch_size: int = 64, tokenizer: str = SPLIT):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.task, self.vocabs, self.lowercase, self.tokenizer = task, vocabs, lowercase, tokenizer
        self.words, self.labels = vocabs.words, vocabs.labels
        self.batch_size = batch_size

    @classmethod
    def from_run_dir(cls, run_dir: str | Path, device: str | torch.device = "cpu", batch_size: int = 64,
                     pretokenized: bool = False) -> "Predictor":
        """The run's best model (`inference.run.load_run`); ``pretokenized``: split the sentences on whitespace."""
        run = load_run(run_dir)
        return cls(run.model, run.task, run.vocabs, run.config.data.lowercase, device, batch_size,
                   SPLIT if pretokenized else run.config.data.tokenizer)

    def batch(self, tokens: list[list[str]]) -> Batch:
        """Raw tokens of some sentences -> the model's input batch (normalised as in training), on the device."""
        return collate([encode_tokens(t, self.vocabs, self.lowercase) for t in tokens]).to(self.device)

    @torch.no_grad()
    def predict(self, sentences: list[str]) -> list[dict]:
        """Raw sentences -> one dict per sentence, in order: "tokens" (the sentence split by the run's tokenizer, as
        written) and the task's fields ("label" and "probability", "tags"). A blank sentence is a ValueError."""
        tokens = [split(s, self.tokenizer) for s in sentences]
        if (blank := next((i for i, t in enumerate(tokens) if not t), None)) is not None:
            raise ValueError(f"sentence {blank} is blank: nothing to label")
        return self.predict_tokens(tokens)

    @torch.no_grad()
    def predict_tokens(self, tokens: list[list[str]]) -> list[dict]:
        """Sentences already split into tokens (as written, none empty) -> `predict`'s dicts."""
        results = []
        for start in range(0, len(tokens), self.batch_size):
            chunk = tokens[start: start + self.batch_size]
            fields = decode_fields(self.model.predict(self.batch(chunk)), self.labels)
            results += [{"tokens": t, **f} for t, f in zip(chunk, fields)]
        return results
