"""What the repository ships for a fork: the GitHub workflow is valid and fetches every public dataset, the
pre-commit hooks need no network, pyproject.toml's dependencies are the requirements files. No data, seconds."""
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml


ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _tool(name: str) -> str:
    """A console script of this venv (requirements-dev.txt), else one on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    assert found, f"{name} is not installed: `make setup-dev` (requirements-dev.txt) installs it"
    return found


def test_workflow_passes_the_github_workflow_schema():
    # check-jsonschema's copy of SchemaStore's github-workflow schema ships in its wheel: no network
    out = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.part("named_datasets")
def test_workflow_downloads_every_public_dataset_and_does_not_require_the_rest():
    from data.download import DEFAULT_CACHE
    from data.registry import RESOURCES
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    downloads = [s["run"].split("data.download", 1)[1].split() for s in steps if "data.download" in s.get("run", "")]
    public = {r.name for r in RESOURCES if r.kind == "dataset" and r.sources}
    assert len(downloads) == 1 and set(downloads[0]) == public  # conll2003: no public source
    envs = [workflow.get("env", {}), *(job.get("env", {}) for job in workflow["jobs"].values()),
            *(s.get("env", {}) for s in steps)]
    assert not any("RNN_REQUIRE_DATA" in env for env in envs)  # .ci/run's switch: a fork cannot get CoNLL-2003
    assert [s["run"] for s in steps if s.get("run", "").startswith("make ")] == ["make setup-dev", "make lint",
                                                                                 "make test"]
    cached = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert cached == [DEFAULT_CACHE]  # where data.download puts what it fetches


def test_pre_commit_hooks_are_local():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert {repo["repo"] for repo in config["repos"]} <= {"local", "meta"}  # nothing to clone
    ruff = next(h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "ruff")
    assert ruff["entry"].startswith(".venv/bin/ruff check")  # the pinned ruff of `make lint`


def test_pyproject_reads_the_requirements_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    for package in setuptools["packages"]:
        assert (ROOT / package / "__init__.py").is_file(), package
    assert setuptools["dynamic"]["dependencies"]["file"] == ["requirements.txt"]
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert not [line for line in lines if line.startswith("-")]  # setuptools reads requirement lines only
