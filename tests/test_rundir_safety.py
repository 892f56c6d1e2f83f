"""Nothing of the user's is touched (issue 26): --overwrite replaces only a run's own files, and no file of a run dir
is written through a symbolic link (training, resume, export). Tiny data written here, no ../shared/data."""
from pathlib import Path

import pytest

from errors import RunDirError
import train
from own_data import any_task


def tree(folder: Path) -> dict:
    """Every file under ``folder`` (links as their target's name) -> its bytes."""
    return {str(p.relative_to(folder)): (f"-> {p.readlink()}" if p.is_symlink() else p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_symlink() or p.is_file()}


@pytest.fixture
def data_args(tmp_path) -> list[str]:
    return any_task(tmp_path / "data")


@pytest.fixture
def finished(data_args, tmp_path) -> Path:
    run = tmp_path / "run"
    train.main([*data_args, "--run-dir", str(run)])
    return run


def users_files(folder: Path) -> None:
    """What a user may keep in a folder, named as a run's files are."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"model.pt": "my weights", "config.yaml": "mine: 1\n", "metrics.json": "{}\n",
                       "report_test.txt": "my report", "sub/notes.txt": "notes", "best.pt": "mine too"}.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text)


def test_overwrite_of_a_folder_that_never_held_a_run_deletes_nothing(data_args, tmp_path):
    mine = tmp_path / "mine"
    users_files(mine)
    before = tree(mine)
    with pytest.raises(RunDirError, match=rf"^{mine}: --overwrite replaces a run of train.py, and this folder holds "
                                          r"none \(no .lock\), only other files \(best.pt, config.yaml, metrics.json, "
                                          r"model.pt, report_test.txt, ...\): nothing of it is removed"):
        train.main([*data_args, "--run-dir", str(mine), "--overwrite"])
    assert tree(mine) == before
    with pytest.raises(RunDirError) as e:                      # without --overwrite: not advised for this folder
        train.main([*data_args, "--run-dir", str(mine)])
    assert "give --overwrite" not in str(e.value) and "choose another --run-dir" in str(e.value)
    assert tree(mine) == before


def test_overwrite_of_a_run_removes_only_what_the_run_wrote(finished, data_args):
    (finished / "model.pt").write_text("my weights")           # the user's, beside the run's files
    (finished / "notes").mkdir()
    (finished / "notes" / "a.txt").write_text("notes")
    old = (finished / "best.pt").read_bytes()
    train.main([*data_args, "train.seed=2", "--run-dir", str(finished), "--overwrite"])
    assert (finished / "model.pt").read_text() == "my weights" and (finished / "notes" / "a.txt").read_text() == "notes"
    assert (finished / "best.pt").read_bytes() != old and (finished / "metrics.json").is_file()


@pytest.mark.parametrize("resuming", [False, True])
def test_a_lock_file_that_is_a_link_is_never_written_through(data_args, finished, tmp_path, resuming):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    run = finished if resuming else tmp_path / "fresh"
    run.mkdir(exist_ok=True)
    (run / ".lock").unlink(missing_ok=True)
    (run / ".lock").symlink_to(victim)
    args = ["--resume", str(run)] if resuming else [*data_args, "--run-dir", str(run)]
    with pytest.raises(RunDirError, match=rf"^{run}: .lock: a symbolic link where the run writes its files; the "
                                          r"program never writes through links"):
        train.main(args)
    assert victim.read_text() == "precious"


def test_resume_never_writes_through_links_in_the_run_dir(finished, tmp_path):
    victims = {}
    for name in ("config.yaml", "metrics.json", "report_test.txt", "report_dev.txt", "best.pt"):
        victims[name] = tmp_path / f"victim-{name}"
        victims[name].write_bytes((finished / name).read_bytes())   # a link to a copy: resume would read it fine
        (finished / name).unlink()
        (finished / name).symlink_to(victims[name])
    before = {name: v.read_bytes() for name, v in victims.items()}
    with pytest.raises(RunDirError, match=r"best.pt, config.yaml, metrics.json, report_dev.txt, report_test.txt: a "
                                          r"symbolic link where the run writes its files"):
        train.main(["--resume", str(finished), "train.epochs=2"])
    assert {name: v.read_bytes() for name, v in victims.items()} == before


@pytest.mark.part("export")
def test_export_replaces_links_never_their_targets(finished, tmp_path):
    import export
    victims = {name: tmp_path / f"victim-{name}" for name in ("model.pt2", "export_meta.json")}
    for name, victim in victims.items():
        victim.write_text("precious")
        (finished / name).symlink_to(victim)
    paths = export.main([str(finished)])
    assert all(v.read_text() == "precious" for v in victims.values())
    assert not paths["program"].is_symlink() and paths["program"].stat().st_size > 1000
    assert not paths["meta"].is_symlink() and paths["meta"].read_text().startswith("{")
