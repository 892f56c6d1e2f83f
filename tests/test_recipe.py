"""The recipe's rules on scripted dev scores: early stopping and lr decay wait until the model learns, lr_decay 1.0
means no decay, and a run that never learns fails instead of reporting 0.0."""
import json

import pytest
import torch

from errors import NothingLearned
import train
from training.loop import Progress, make_scheduler, record_dev_score, stop_reason
from training.config import TrainConfig


def replay(scores: list[float], **settings) -> list[dict]:
    """Feed dev scores epoch by epoch as train.py does; per epoch: improved, lr after it, bad epochs, stop."""
    cfg = TrainConfig(**settings)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=cfg.lr)
    scheduler, progress, out = make_scheduler(optimizer, cfg), Progress(), []
    for score in scores:
        improved = record_dev_score(progress, score, scheduler)
        progress.epoch += 1
        out.append({"improved": improved, "lr": optimizer.param_groups[0]["lr"], "bad": progress.bad_epochs,
                    "stop": stop_reason(progress, cfg) is not None})
        if out[-1]["stop"]:
            break
    return out


def test_flat_zero_scores_neither_stop_nor_decay_until_the_first_improvement():
    """Rare entities: F1 0.0 for seven epochs, then it moves. Nothing counts before that."""
    epochs = replay([0.0] * 7 + [0.05, 0.12, 0.12, 0.2], patience=2, lr=1.0, lr_decay=0.5, lr_patience=0)
    assert len(epochs) == 11                                          # not stopped at epoch 3 by patience 2
    assert [e["lr"] for e in epochs[:8]] == [1.0] * 8                 # no decay while waiting, nor at the first move
    assert [e["bad"] for e in epochs[:8]] == [0] * 8
    assert epochs[7]["improved"] and epochs[9] == {"improved": False, "lr": 0.5, "bad": 1, "stop": False}


def test_once_learning_a_flat_epoch_decays_and_patience_stops():
    epochs = replay([0.5, 0.6, 0.6, 0.7, 0.7, 0.7], patience=3, lr=1.0, lr_decay=0.5, lr_patience=0)
    assert [e["lr"] for e in epochs] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.125]  # lr_patience 0: every flat epoch
    assert [e["bad"] for e in epochs] == [0, 0, 1, 0, 1, 2]
    epochs = replay([0.5, 0.6, 0.6, 0.6, 0.6], patience=3, lr=1.0)
    assert [e["stop"] for e in epochs] == [False, False, False, False, True]


def test_lr_patience_tolerates_flat_epochs_before_decaying():
    epochs = replay([0.5, 0.6, 0.6, 0.6, 0.6], patience=9, lr=1.0, lr_decay=0.5)  # the default lr_patience, 2
    assert [e["lr"] for e in epochs] == [1.0, 1.0, 1.0, 1.0, 0.5]


def test_lr_decay_one_means_no_decay():
    assert make_scheduler(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0), TrainConfig(lr_decay=1.0)) \
        is None
    assert {e["lr"] for e in replay([0.5, 0.6, 0.6, 0.6], patience=9, lr=1.0, lr_decay=1.0)} == {1.0}


def test_a_first_score_never_beaten_never_stops_early():
    epochs = replay([0.9, 0.8, 0.9, 0.85], patience=1, lr=1.0)
    assert [e["stop"] for e in epochs] == [False] * 4 and {e["lr"] for e in epochs} == {1.0}


@pytest.mark.parametrize("settings,message", [
    ({"lr_decay": 0.0}, r"train.lr_decay must be in \(0, 1\]"),
    ({"lr_decay": 1.5}, r"train.lr_decay must be in \(0, 1\]"),
    ({"lr_patience": -1}, "train.lr_patience must be >= 0"),
    ({"threads": 0}, "train.threads must be 'auto' or an integer >= 1, got 0"),
    ({"threads": "many"}, "train.threads must be 'auto' or an integer >= 1, got 'many'"),
])
def test_recipe_settings_are_checked(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**settings)


COLUMNS = "EU B-ORG\nrejects O\nGerman B-MISC\ncall O\n\nPeter B-PER\nvisits O\nParis B-LOC\n\n"
NO_ENTITIES = "the O\ncall O\nwas O\nrejected O\n\nnothing O\nhere O\n\n"


@pytest.mark.part("tagging")
def test_a_run_that_never_finds_an_entity_fails_and_keeps_its_metrics(tmp_path):
    """Gold dev data without a single entity: dev entity F1 is 0.0 whatever the model does."""
    (tmp_path / "train.txt").write_text(COLUMNS * 5)
    (tmp_path / "dev.txt").write_text(NO_ENTITIES * 3)
    run = tmp_path / "run"
    args = ["configs/tiny.yaml", "data.name=mine", "data.format=columns", f"data.root={tmp_path}",
            "data.train_file=train.txt", "data.validation_file=dev.txt", "data.test_file=dev.txt",
            "train.select_metric=entity_f1", "train.epochs=2", "--run-dir", str(run)]
    with pytest.raises(NothingLearned, match=r"the best dev entity_f1 stayed 0.0000 in 2 epochs"):
        train.main(args)
    assert json.loads((run / "metrics.json").read_text())["dev/entity_f1"] == 0.0
