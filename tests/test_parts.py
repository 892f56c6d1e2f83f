"""The core without its parts (README, "Parts"): with every part's modules blocked from import, a classifier on a CSV
file, a CRF tagger on CoNLL columns and a joint intent + slots model train, predict and evaluate."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import TINY

ROOT = Path(__file__).resolve().parent.parent
# every part's modules (scripts/new_project.py: PARTS); importing one of them is an error in the blocked runs
BLOCKED = ["data.named", "data.download", "data.registry", "data.formats.trec", "data.hub", "data.device_loader",
           "data.vectors", "data.vector_sources", "data.sentence_split", "models.reversed", "models.char_cnn",
           "data.chars", "training.distributed", "training.torchrun", "export", "benchmarks", "scripts"]
RUN_BLOCKED = f"""if True:
    import importlib.abc, runpy, sys
    blocked = {BLOCKED!r}

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if any(name == b or name.startswith(b + ".") for b in blocked):
                raise ModuleNotFoundError(f"{{name}} is a part, blocked here", name=name)

    sys.meta_path.insert(0, Block())
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


def blocked(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``python SCRIPT ARGS`` in a fresh interpreter where every part's modules are blocked."""
    return subprocess.run([sys.executable, "-c", RUN_BLOCKED, *argv], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("config,overrides", [
    pytest.param("configs/example_csv_classifier.yaml", [], marks=pytest.mark.part("classification")),
    pytest.param("configs/example_conll_ner.yaml", ["train.select_metric=accuracy"], marks=pytest.mark.part("tagging")),
    pytest.param("configs/example_slots_joint.yaml", ["train.select_metric=intent_accuracy"],
                 marks=pytest.mark.part("joint")),
], ids=["csv-classifier", "ner-crf", "joint-slots"])
def test_the_core_trains_predicts_and_evaluates_with_every_part_blocked(tmp_path, config, overrides):
    run = tmp_path / "run"
    out = blocked("train.py", config, *overrides, "model.embed_dim=8", "model.hidden_size=8", "train.epochs=2",
                  "model.char_filters=0", "--run-dir", str(run))  # the example configs' char-CNN is a part
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "blocked here" not in out.stderr and (run / "metrics.json").is_file()
    predicted = blocked("predict.py", str(run), stdin="Anna Schmidt visited Paris .\n")
    assert predicted.returncode == 0 and predicted.stdout.strip(), predicted.stderr[-2000:]
    evaluated = blocked("evaluate.py", str(run), "--split", "test")
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]


@pytest.mark.parametrize("setting,module", [("model.rnn_path=reversed", "models/reversed.py"),
                                            ("model.char_filters=8", "models/char_cnn.py"),
                                            ("model.vectors=v.txt", "data/vector_sources.py"),
                                            ("data.dev_sentences=true", "data/sentence_split.py")])
def test_a_setting_of_a_blocked_part_names_the_part(tmp_path, setting, module):
    out = blocked("train.py", TINY, setting, "--run-dir", str(tmp_path / "run"))
    assert out.returncode == 1 and out.stderr.strip().splitlines()[-1] == (
        f"error: {setting} needs {module}, a part this copy of the template leaves out (README: Parts)")
