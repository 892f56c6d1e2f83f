"""model.class_weights=balanced: scikit-learn's "balanced" weights from the training labels, a weighted mean
cross-entropy, saved with the model so evaluate and predict load them; none (the default) changes nothing."""
import json

import evaluate
import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss
from sklearn.utils.class_weight import compute_class_weight

import train
from collections import Counter

from data.batching import collate
from data.datasets import load_splits
from models.heads import balanced_class_weights
from models.tasks import ModelConfig, build_model
from inference.predictor import Predictor
from training.checkpoint import load_checkpoint
from training.config import load_config
from tests.fixtures import CLEAR_DATA

NAMES, VOCAB = {"label": ["a", "b", "c", "d"]}, 30


def test_balanced_weights_equal_scikit_learns():
    ids = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1, 3, 2, 0, 1])
    want = compute_class_weight("balanced", classes=np.arange(4), y=ids.numpy())  # n / (C * count_c)
    torch.testing.assert_close(balanced_class_weights(ids, 4), torch.tensor(want, dtype=torch.float32))


def test_weighted_loss_is_scikit_learns_weighted_log_loss_and_none_changes_nothing():
    g = torch.Generator().manual_seed(0)
    batch = collate([{"ids": torch.randint(2, VOCAB, (n,), generator=g).tolist(), "label_ids": y}
                     for n, y in zip([7, 5, 4, 3, 6, 2], [0, 1, 3, 3, 2, 1])])
    weights = torch.tensor([0.5, 2.0, 1.0, 4.0])
    torch.manual_seed(0)
    plain = build_model("classification", VOCAB, NAMES, ModelConfig(embed_dim=8, hidden_size=6))
    torch.manual_seed(0)
    weighted = build_model("classification", VOCAB, NAMES,
                           ModelConfig(embed_dim=8, hidden_size=6, class_weights="balanced"), class_weights=weights)
    assert set(weighted.state_dict()) - set(plain.state_dict()) == {"head.class_weights"}  # none: nothing new
    plain.eval(), weighted.eval()
    logits, loss = weighted(batch)
    y = batch.labels.numpy()
    want = log_loss(y, logits.softmax(-1).detach().numpy(), labels=range(4), sample_weight=weights.numpy()[y])
    torch.testing.assert_close(loss.item(), want, rtol=1e-5, atol=0)
    plain_logits, plain_loss = plain(batch)
    torch.testing.assert_close(plain_logits, logits, rtol=0, atol=0)                  # same weights, same init
    assert plain_loss.item() == torch.nn.functional.cross_entropy(plain_logits, batch.labels).item()
    with pytest.raises(ValueError, match="model.class_weights must be one of none, balanced"):
        ModelConfig(class_weights="inverse")


@pytest.mark.part("classification")
def test_balanced_run_saves_its_weights_and_evaluate_and_predict_load_them(tmp_path):
    rows = [("rare" if i % 10 == 0 else "common", f"text {i} word") for i in range(60)]
    (tmp_path / "train.csv").write_text("text,label\n" + "".join(f"{t},{y}\n" for y, t in rows))
    overrides = [*CLEAR_DATA, "data.name=skewed", "data.format=csv", f"data.root={tmp_path}",
                 "data.train_file=train.csv", "data.test_fraction=0.2", "data.dev_fraction=0.2",
                 "model.class_weights=balanced"]
    run = tmp_path / "run"
    train.main(["configs/tiny.yaml", *overrides, "train.max_steps=1", "--run-dir", str(run)])
    ckpt = load_checkpoint(run / "best.pt")
    counts = Counter(load_splits(load_config("configs/tiny.yaml", overrides).data)["train"]["label"])
    assert counts["rare"] < counts["common"] / 5
    want = torch.tensor([counts.total() / (2 * counts[name]) for name in ckpt["labels"]["label"]["itos"]])
    torch.testing.assert_close(ckpt["model"]["head.class_weights"], want)
    predictor = Predictor.from_run_dir(run)                              # strict load: the buffer is there
    torch.testing.assert_close(predictor.model.head.class_weights, want)
    results = evaluate.main([str(run), "--split", "test"])
    assert results["accuracy"] == json.loads((run / "metrics.json").read_text())["test/accuracy"]
