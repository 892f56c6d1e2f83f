"""scripts/new_project.py: a classifier-only, a tagger-only and a joint copy of the template hold what their task
needs and nothing of the others, collect their tests, train on their configs/tiny.yaml and on the config their
`make train` names (one they hold), and say in their README what they left out; the README's parts table is the
command's. (Each copy's whole `make test`: docs/tests.md.)"""
import re
import subprocess
import sys

import pytest

from scripts import new_project
from tests.test_parts import BLOCKED

ROOT = new_project.ROOT


@pytest.mark.part("classification", "tagging", "joint")
@pytest.mark.parametrize("task,kept,gone", [
    ("classification", ["data/formats/delimited.py", "data/formats/jsonl.py", "models/heads.py", "tests/test_parts.py"],
     ["models/tagging.py", "models/crf.py", "data/formats/conllu.py", "data/formats/seq_in_out.py", "export.py",
      "scripts/sweep.py", ".ci/run", "models/char_cnn.py", "data/chars.py"]),
    ("tagging", ["models/tagging.py", "models/crf.py", "data/formats/conllu.py", "data/formats/columns.py"],
     ["data/formats/delimited.py", "data/formats/jsonl.py", "data/formats/seq_in_out.py", "data/hub.py",
      "training/distributed.py", "models/char_cnn.py"]),
    ("joint", ["data/formats/seq_in_out.py", "models/tagging.py", "training/entities.py", "models/heads.py"],
     ["data/formats/delimited.py", "data/formats/jsonl.py", "tests/fixtures/questions/train.csv"]),
])
def test_a_one_task_copy_holds_its_task_and_trains(tmp_path, task, kept, gone):
    dest = tmp_path / "mine"
    new_project.main([str(dest), "--task", task])
    assert all((dest / f).is_file() for f in kept) and not any((dest / f).exists() for f in gone)
    assert_whole(dest)
    readme = (dest / "README.md").read_text()
    assert readme.startswith("## Left out of this copy") and "| torchrun |" in readme and "| export |" in readme
    configs = "".join(c.read_text() for c in (dest / "configs").glob("*.yaml"))  # the char-CNN is a part: off
    assert "char_filters: 0" in configs and not re.search(r"char_filters: *[1-9]", configs)
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                               cwd=dest, capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stdout[-2000:]
    run = subprocess.run([sys.executable, "train.py", "configs/tiny.yaml", "train.epochs=1", "--run-dir", "r"],
                         cwd=dest, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and (dest / "r" / "metrics.json").is_file(), run.stderr[-2000:]
    assert ("classification on" if task == "classification" else "tagging on") in run.stdout  # tiny: POS or CSV
    default = re.search(r"(?m)^CONFIG \?= (\S+)$", (dest / "Makefile").read_text())[1]  # `make train`'s config
    assert default == {"classification": "configs/example_csv_classifier.yaml", "tagging": "configs/example_conll_ner"
                       ".yaml", "joint": "configs/example_slots_joint.yaml"}[task] and f"`{default}`" in readme
    run = subprocess.run([sys.executable, "train.py", default, "train.max_steps=2", "--run-dir", "d"], cwd=dest,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and f"{task} on" in run.stdout, run.stderr[-2000:]


def assert_whole(dest):
    """What a copy's documents, CI workflow and Makefile name is there: each relative link of its *.md, each module
    its ci.yml runs and file it hashes, each prerequisite of a Makefile rule (a file or another rule)."""
    links = [(md, target) for md in dest.rglob("*.md") for target in re.findall(r"\]\(([^)\s#]+)", md.read_text())
             if not re.match(r"[a-z]+:", target)]
    assert [f"{md.relative_to(dest)}: {t}" for md, t in links if not (md.parent / t).exists()] == []
    ci = (dest / ".github" / "workflows" / "ci.yml").read_text()
    modules = re.findall(r"python -m ([\w.]+)", ci)
    assert [m for m in modules if not (dest / f"{m.replace('.', '/')}.py").is_file()] == []
    assert [f for f in re.findall(r"hashFiles\('([^']+)'\)", ci) if not list(dest.glob(f))] == []
    rules = re.findall(r"(?m)^([^\s#:=][^:=]*):(?!=)([^#\n]*)", (dest / "Makefile").read_text())
    targets = {t for names, _ in rules for t in names.split()}
    assert [f"{names}: {need}" for names, needs in rules for need in needs.split()
            if need not in targets and not (dest / need).exists()] == []


def test_a_part_needs_what_it_uses(tmp_path):
    with pytest.raises(SystemExit, match="part benchmarks needs named_datasets, reversed, device_data"):
        new_project.main([str(tmp_path / "x"), "--task", "all", "--parts", "benchmarks"])
    with pytest.raises(SystemExit, match="part export needs reversed"):  # export.py traces the reversed path
        new_project.main([str(tmp_path / "y"), "--task", "tagging", "--parts", "export"])
    with pytest.raises(SystemExit, match="exists and is not empty"):
        new_project.main([str(ROOT), "--task", "all"])


def test_the_readme_parts_table_is_the_commands_and_the_blocked_modules_are_the_parts():
    readme = (ROOT / "README.md").read_text()
    assert readme[readme.index(new_project.BEGIN):readme.index(new_project.END) + len(new_project.END)] == \
        new_project.table()
    modules = {f[:-3].replace("/", ".") for _, (files, *_) in new_project.PARTS.items() for f in files
               if f.endswith(".py") and not f.startswith("tests/")}
    packages = {f.split("/")[0] for _, (files, *_) in new_project.PARTS.items() for f in files if f.endswith("/*")}
    assert modules | packages == set(BLOCKED)


@pytest.mark.part("tagging", "export", "reversed", "vectors")
def test_a_copy_with_parts_passes_their_tests(tmp_path):
    """A tagger with export and vectors, without named_datasets: the export and vector tests of its task run there
    (those of the other tasks, or of the named vectors, deselected) and pass, and every config it holds loads."""
    dest = tmp_path / "mine"
    new_project.main([str(dest), "--task", "tagging", "--parts", "export,reversed,vectors"])
    assert_whole(dest)
    tests = sorted(str(f.relative_to(dest)) for f in (dest / "tests").glob("test_*.py")
                   if f.name in ("test_export.py", "test_config.py") or f.name.startswith("test_vector"))
    assert len(tests) == 5
    run = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", *tests], cwd=dest,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:]
    for test in ("test_export.py::test_onnx_program_matches_the_model[tagger_run]",
                 "test_export.py::test_time_loop_is_the_lstm_kernel_not_unrolled",
                 "test_vectors.py::test_train_main_starts_from_the_vectors",
                 "test_config.py::test_every_config_loads[example_conll_ner]",
                 "test_vectors.py::test_a_file_needs_no_download_module_and_a_name_says_which_part_is_missing"):
        assert f"{test} PASSED" in run.stdout
    assert "classifier_run" not in run.stdout and "joint_run" not in run.stdout
