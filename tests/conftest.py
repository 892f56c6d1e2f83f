"""Shared fixtures and the public-data rule.

Most tests run on the small files in tests/fixtures/ (every clone has them). A test that reads the public datasets
is marked ``@pytest.mark.needs_data("trec", ...)``: it runs whenever they are found (../shared/data, $RNN_DATA_ROOT or
the download cache) and is otherwise left out, all such tests on one line at the end of the run that says how to get
the data. ``RNN_REQUIRE_DATA=1`` (this project's .ci/run) makes missing data an error instead.
"""
import importlib.util
import os
from pathlib import Path

import pytest

from tests.fixtures import TINY, fixture_data, with_chars

try:  # the named datasets are a part (data/named.py, data/download.py): a copy without it has no needs_data tests
    from data import download
    from data.named import DATASETS
except ImportError:
    DATASETS = {}

REQUIRE_DATA = os.environ.get("RNN_REQUIRE_DATA") == "1"


def _root(name: str) -> Path | None:
    try:
        return download.locate(name)
    except FileNotFoundError:
        return None


ROOTS = {name: _root(name) for name in DATASETS}  # where each public dataset is, at the start of the session
MISSING = [name for name, root in ROOTS.items() if root is None]


def _left_out_reason() -> str:
    public = [n for n in MISSING if download.REGISTRY[n].sources]
    get = f"get them with `python -m data.download {' '.join(public)}`" if public else ""
    howto = "CoNLL-2003 has no public download (docs/data.md)" if "conll2003" in MISSING else ""
    return (f"left out: public datasets not found ({', '.join(MISSING)}); "
            f"{'; '.join(p for p in (get, howto) if p)}; or point $RNN_DATA_ROOT at a folder holding them")


# a task or part (README, "Parts"; scripts/new_project.py) -> a module only it has. A test marked
# ``@pytest.mark.part("export")`` is deselected in a copy of the template that left the part out.
PART_MODULES = {"classification": "data.formats.delimited", "tagging": "models.tagging",
                "joint": "data.formats.seq_in_out", "torchrun": "training.distributed",
                "device_data": "data.device_loader", "reversed": "models.reversed", "char_cnn": "models.char_cnn",
                "export": "export", "hub": "data.hub", "vectors": "data.vectors",
                "dev_sentences": "data.sentence_split", "named_datasets": "data.named",
                "benchmarks": "benchmarks.throughput", "scripts": "scripts.sweep"}


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:  # its package is gone too
        return True


def pytest_collection_modifyitems(config, items):
    """Deselect the tests of the parts this copy of the template left out (a test reading the public datasets
    needs the named datasets)."""
    absent = {part for part, module in PART_MODULES.items() if _absent(module)}
    kept = [item for item in items if not absent & ({a for m in item.iter_markers("part") for a in m.args}
                                                    | ({"named_datasets"} if item.get_closest_marker("needs_data")
                                                       else set()))]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("needs_data")
    if marker is None or not set(marker.args) & set(MISSING):
        return
    if REQUIRE_DATA:
        pytest.fail(f"RNN_REQUIRE_DATA=1 and {', '.join(sorted(set(marker.args) & set(MISSING)))} not found "
                    f"(../shared/data, $RNN_DATA_ROOT, the download cache)", pytrace=False)
    pytest.skip(_left_out_reason())  # one reason for all: pytest's summary counts them on one line


@pytest.fixture
def shared_data(request) -> Path:
    """The data root holding the public dataset the test is marked with (``needs_data("trec")``)."""
    return ROOTS[request.node.get_closest_marker("needs_data").args[0]]


def _train(tmp_path_factory, name: str, overrides: list[str]) -> Path:
    import train  # here, not at the top: only the tests that need a run pay for importing the trainer
    run = tmp_path_factory.mktemp(name)
    train.main([TINY, *overrides, "train.epochs=3", "train.batch_size=8", "--run-dir", str(run)])
    return run


@pytest.fixture(scope="session")
def tagger_run(tmp_path_factory) -> Path:
    """A tiny POS tagger run dir (best.pt, ...) on the fixture files, trained once per session."""
    return _train(tmp_path_factory, "tagger", [])


@pytest.fixture(scope="session")
def classifier_run(tmp_path_factory) -> Path:
    """A tiny question classifier on the fixture CSV (raw text, ptb tokenizer), lower-cased (so the tokenizer's
    lowercase step matters), trained once per session."""
    return _train(tmp_path_factory, "classifier", [*fixture_data("questions"), "data.lowercase=true"])


@pytest.fixture(scope="session")
def joint_run(tmp_path_factory) -> Path:
    """A tiny intent + slots run with a char-CNN (where the part is there) and a CRF slot head, trained once per
    session."""
    return _train(tmp_path_factory, "joint", [*fixture_data("slots"), *with_chars(8), "model.crf=true"])
