"""A resume may change what keeps the run's meaning, and is refused before anything is written otherwise
(issue 26): a mid-epoch batch size or seed, another select metric, lr settings that last.pt's optimizer and schedule
would silently override, another process count mid-epoch. Tiny data written here, no ../shared/data."""
from pathlib import Path

import pytest

from errors import RunDirError
import train
from own_data import any_task
from training.checkpoint import load_checkpoint, save_checkpoint


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[list[str], Path]:
    folder = tmp_path_factory.mktemp("resume")
    args = any_task(folder / "data")
    train.main([*args, "--run-dir", str(folder / "run")])
    return args, folder / "run"


@pytest.fixture
def run(trained, tmp_path) -> Path:
    """A copy of a 1-epoch run (last.pt at the start of epoch 2)."""
    copy = tmp_path / "run"
    copy.mkdir()
    for name, data in snapshot(trained[1]).items():
        (copy / name).write_bytes(data)
    return copy


def stopped_mid_epoch(run: Path, world_size: int = 1) -> None:
    """last.pt as a signal in the middle of epoch 2 leaves it (batch 1 trained), by `world_size` processes."""
    last = load_checkpoint(run / "last.pt")
    last["progress"].update(batch=1, world_size=world_size)
    save_checkpoint(last, run / "last.pt")


@pytest.mark.parametrize("override,message", [
    ("train.batch_size=2", r"train.batch_size is 2 here but 4 in its last.pt; it stopped mid-epoch, and the rest of "
                           r"that epoch is in its batch order \(change it at an epoch's start\): start a new run"),
    ("train.seed=7", r"train.seed is 7 here but 1 in its last.pt; it stopped mid-epoch"),
])
def test_a_mid_epoch_resume_keeps_the_batch_order(run, override, message):
    stopped_mid_epoch(run)
    before = snapshot(run)
    with pytest.raises(RunDirError, match=rf"^--resume {run}: {message}"):
        train.main(["--resume", str(run), "train.epochs=2", override])
    assert snapshot(run) == before


@pytest.mark.parametrize("override,old", [("train.select_metric=macro_f1", "'(auto|accuracy)'"),
                                          ("train.lr=0.5", "0.01"),
                                          ("train.lr_decay=0.9", "0.5"), ("train.weight_decay=0.5", "0.01")])
def test_settings_last_pt_holds_are_refused_before_anything_is_written(run, override, old):
    before = snapshot(run)
    key, value = override.split("=")
    with pytest.raises(RunDirError, match=rf"^--resume {run}: {key} is '?{value}'? here but {old} in its last.pt; a "
                                          r"resume continues the same training \(it may change data.download, "
                                          r"data.root, train.amp, train.device, "):
        train.main(["--resume", str(run), "train.epochs=2", override])
    assert snapshot(run) == before


def test_another_process_count_mid_epoch_is_refused_before_config_yaml_is_written(run):
    stopped_mid_epoch(run, world_size=2)
    before = snapshot(run)
    with pytest.raises(RunDirError, match=rf"^--resume {run}: it stopped mid-epoch with 2 process\(es\), this is 1; "
                                          r"resume it with torchrun --nproc_per_node=2"):
        train.main(["--resume", str(run), "train.epochs=3"])
    assert snapshot(run) == before                              # config.yaml too: still 1 epoch


def test_what_keeps_the_meaning_may_change(run):
    """More epochs, more patience, another batch size and seed between two epochs: the run goes on."""
    results = train.main(["--resume", str(run), "train.epochs=2", "train.patience=9", "train.batch_size=2",
                          "train.seed=3", "train.log_every=1"])
    assert results["epochs"] == 2 and "epochs: 2" in (run / "config.yaml").read_text()


def test_the_resume_command_quotes_a_path_with_spaces():
    from training.group import Single
    assert Single().resume_command(Path("my runs/a b")).endswith(" train.py --resume 'my runs/a b'")
