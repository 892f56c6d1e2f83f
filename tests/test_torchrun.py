"""`python -m training.torchrun`: torchrun's arguments, this project's endings (issue 26): an impossible process
count is one error line before any process starts; Ctrl-C stops every worker, which saves last.pt and prints how to
resume, and the launcher then exits 130 without torchrun's traceback. Tiny data written here, no ../shared/data."""
import pytest
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
LAUNCH = [sys.executable, "-m", "training.torchrun", "--standalone"]


def test_no_process_per_node_is_one_error_line():
    out = subprocess.run([*LAUNCH, "--nproc_per_node", "0", "train.py", "configs/tiny.yaml"], cwd=ROOT, env=ENV,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and out.stderr.strip() == ("error: --nproc_per_node=0: a training needs at least one "
                                                          "process per node")


@pytest.mark.part("classification")
def test_ctrl_c_saves_prints_the_hint_and_ends_without_a_traceback(tmp_path):
    rng = random.Random(0)
    words = "good bad fine awful great dull fun boring nice poor".split()
    data = tmp_path / "train.csv"
    data.write_text("text,label\n" + "".join(f"{' '.join(rng.choices(words, k=8))},{rng.choice(['pos', 'neg'])}\n"
                                             for _ in range(1200)))
    run = tmp_path / "my run"
    proc = subprocess.Popen([*LAUNCH, "--nproc_per_node=2", "train.py", "configs/tiny.yaml", "data.name=mine",
                             "data.format=csv", f"data.train_file={data}", "data.test_file=null",
                             "data.test_fraction=0.1", "train.epochs=50", "train.patience=50", "train.batch_size=4",
                             "model.embed_dim=8",
                             "model.hidden_size=8",
                             "--run-dir", str(run)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        deadline = time.time() + 180
        while not (run / "last.pt").exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)                        # a terminal's Ctrl-C: launcher and workers
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err[-2000:]
    assert "SIGINT: stopped after step" in out and "Traceback" not in err
    assert f"-m training.torchrun --nproc_per_node=2 train.py --resume '{run}'" in out.splitlines()[-1]
