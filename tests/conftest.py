from pathlib import Path

import pytest

from data.datasets import DataConfig, data_root


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The mirrored public datasets. Missing data is an error, never a skip: CI must run these tests."""
    return data_root(DataConfig(name="ud_en_ewt"))


def _train(tmp_path_factory, name: str, overrides: list[str]) -> Path:
    import train  # here, not at the top: only the tests that need a run pay for importing the trainer
    run = tmp_path_factory.mktemp(name)
    train.main(["configs/tiny.yaml", *overrides, "train.epochs=2", "--run-dir", str(run)])
    return run


@pytest.fixture(scope="session")
def tagger_run(tmp_path_factory) -> Path:
    """A tiny UD tagger run dir (best.pt, ...), trained once per session."""
    return _train(tmp_path_factory, "tagger", [])


@pytest.fixture(scope="session")
def classifier_run(tmp_path_factory) -> Path:
    """A tiny TREC classifier run dir, lower-cased (so the tokenizer's lowercase step matters)."""
    return _train(tmp_path_factory, "classifier", ["data.name=trec", "data.limit=300", "data.lowercase=true"])


@pytest.fixture(scope="session")
def joint_run(tmp_path_factory) -> Path:
    """A tiny ATIS intent + slots run with a char-CNN and a CRF slot head, trained once per session."""
    return _train(tmp_path_factory, "joint", ["data.name=atis", "data.limit=300", "model.char_filters=8",
                                              "model.crf=true", "train.select_metric=exact_match"])
