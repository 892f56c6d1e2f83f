"""End to end through train.main on a slice of real data: seconds, not minutes."""
import json

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from errors import ConfigError
import evaluate
import train
from training.checkpoint import load_checkpoint
from tests.fixtures import by_part, fixture_data, with_chars, without_times
from training.device import bf16_supported


def scalars(run_dir, tag):
    acc = EventAccumulator(str(run_dir))
    acc.Reload()
    return [e.value for e in acc.Scalars(tag)]


@pytest.mark.parametrize("overrides,task", by_part(
    ([], "tagging"),
    (fixture_data("questions"), "classification"),
))
def test_main_trains_and_writes_a_run(tmp_path, overrides, task):
    run = tmp_path / "run"
    results = train.main(["configs/tiny.yaml", *overrides, "train.epochs=4", "--run-dir", str(run)])
    losses = scalars(run, "train/loss")
    assert len(losses) == 4 and losses[-1] < losses[0]          # one point per epoch, going down
    assert len(scalars(run, "dev/accuracy")) == 4
    assert {"train/lr", "train/tokens_per_s"} <= set(EventAccumulator(str(run)).Reload().Tags()["scalars"])
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics == results
    assert {"dev/accuracy", "dev/macro_f1", "test/accuracy", "test/macro_f1"} <= set(metrics)
    ckpt = load_checkpoint(run / "best.pt")                      # weights_only=True inside
    assert ckpt["task"] == task and ckpt["words"]["itos"][:2] == ["<pad>", "<unk>"]
    assert (run / "config.yaml").exists() and "confusion matrix" in (run / "report_test.txt").read_text()
    tags = EventAccumulator(str(run)).Reload().Tags()
    assert "dev/examples/text_summary" in tags["tensors"]        # gold vs predicted dev sentences
    assert any(t.startswith("dev_f1/") for t in tags["scalars"])  # per-label F1 at each evaluation
    assert ("dev/confusion_matrix" in tags["images"]) == (task == "classification")
    assert "word_embeddings" in (run / "projector_config.pbtxt").read_text()


def test_evaluate_reproduces_metrics_json(tmp_path):
    run = tmp_path / "run"
    results = train.main(["configs/tiny.yaml", "train.epochs=2", "--run-dir", str(run)])
    again = evaluate.main([str(run), "--split", "test"])
    assert again["accuracy"] == pytest.approx(results["test/accuracy"], abs=0)


@pytest.mark.part("device_data")
@pytest.mark.parametrize("where", ["train.num_workers=2", "train.device_data=true"])
def test_where_batches_are_made_changes_nothing(tmp_path, where):
    """Collate in 2 worker processes, or slices of the split put on the device once (data/device_loader.py): the
    same batches in the same order, so the same metrics and the same weights, bit for bit."""
    base = ["configs/tiny.yaml", *with_chars(8), "train.epochs=2"]
    alone = train.main([*base, "--run-dir", str(tmp_path / "alone")])
    other = train.main([*base, where, "--run-dir", str(tmp_path / "other")])
    assert without_times(other) == without_times(alone)
    a, b = (load_checkpoint(tmp_path / name / "last.pt")["model"] for name in ("alone", "other"))
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.skipif(not bf16_supported(torch.device("cpu")), reason="this CPU has no bf16 kernels (no AVX-512)")
def test_bf16_autocast_trains(tmp_path):
    """train.amp=true: the forward runs under bf16 autocast, the loss still falls, evaluation is float32."""
    run, fp32 = tmp_path / "amp", tmp_path / "fp32"
    results = train.main(["configs/tiny.yaml", "train.amp=true", "train.epochs=3", "--run-dir", str(run)])
    train.main(["configs/tiny.yaml", "train.epochs=1", "--run-dir", str(fp32)])
    losses = scalars(run, "train/loss")
    assert len(losses) == 3 and losses[-1] < losses[0] and results["test/accuracy"] > 0.3
    assert losses[0] != scalars(fp32, "train/loss")[0]          # same seed and batches: bf16 did run


@pytest.mark.skipif(bf16_supported(torch.device("cpu")), reason="this CPU has bf16 kernels")
def test_bf16_autocast_without_bf16_kernels_is_one_config_error(tmp_path):
    """Without AVX-512, oneDNN's LSTM has no bf16 kernel: a clear error before any work, not a oneDNN traceback."""
    with pytest.raises(ConfigError, match=r"^train.amp=true: this CPU has no bf16 support \(torch finds AVX2?\w*\); "
                                          r"set train.amp=false$"):
        train.main(["configs/tiny.yaml", "train.amp=true", "--run-dir", str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()
