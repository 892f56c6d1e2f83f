"""Multi-process training: the sharded bucketing sampler, and `torchrun` with 2 CPU processes (gloo) end to end,
on one node and as two nodes (two launchers on 127.0.0.1 that meet through a c10d rendezvous)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from data.batching import BucketBatchSampler
from training import distributed
from training.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parent.parent
LENGTHS = [1 + (7 * i) % 40 for i in range(1003)]  # 1003 sentences: 126 batches of 8, the last one short
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
TIMEOUT = 120  # seconds per torchrun run: a rendezvous that never completes fails the test instead of hanging it


def shares(world: int, epoch: int = 1, start: int = 0, shuffle: bool = True, pool_factor: int = 4) -> list:
    """Each rank's batches (lists of indices) for one epoch."""
    out = []
    for rank in range(world):
        s = distributed.ShardedBatchSampler(LENGTHS, 8, shuffle=shuffle, seed=3, pool_factor=pool_factor,
                                            num_replicas=world, rank=rank)
        s.set_epoch(epoch, start)
        assert len(list(s)) == len(s) - start                 # len: the whole epoch, as train.py expects
        out.append(list(s))
    return out


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_get_disjoint_equal_shares_of_the_epoch(world):
    parts = shares(world)
    assert len({len(p) for p in parts}) == 1                                 # equal counts: DDP needs the same steps
    taken = [i for p in parts for batch in p for i in batch]
    assert len(taken) == len(set(taken))                                     # disjoint
    batches = sorted(b for p in parts for b in p)
    single = sorted(shares(1)[0])
    assert len(single) - len(batches) == len(single) % world                 # only the remainder is left out
    assert all(b in single for b in batches)                                 # the single-process batches, dealt out


def test_shares_are_deterministic_by_seed_and_epoch_and_resume_with_start():
    assert shares(2, epoch=1) == shares(2, epoch=1)
    assert shares(2, epoch=1) != shares(2, epoch=2)
    full = shares(2, epoch=2)
    assert shares(2, epoch=2, start=5) == [p[5:] for p in full]             # set_epoch(epoch, start) per rank


def test_a_step_gives_every_rank_batches_of_similar_length():
    a, b = shares(2, pool_factor=50)                                          # pools of 400 sentences
    spread = [abs(max(LENGTHS[i] for i in x) - max(LENGTHS[i] for i in y)) for x, y in zip(a, b)]
    assert sorted(spread)[len(spread) // 2] <= 2                              # neighbours in length order


@pytest.mark.parametrize("shuffle", [True, False])
def test_one_process_gets_exactly_the_single_process_batches(shuffle):
    for epoch, start in ((1, 0), (2, 5 if shuffle else 0)):
        s = BucketBatchSampler(LENGTHS, 8, shuffle=shuffle, seed=3, pool_factor=4)
        s.set_epoch(epoch, start)
        assert shares(1, epoch, start, shuffle)[0] == list(s) and len(s) == len(list(s)) + (start if shuffle else 0)


def test_evaluation_is_dealt_round_robin_and_loses_nothing():
    parts = shares(2, shuffle=False)
    assert sorted(i for p in parts for batch in p for i in batch) == list(range(len(LENGTHS)))


def _perturbed_replica(rank: int, init_file: str, ok: list):
    """Two gloo processes; rank 1 changes one weight; check_replicas must fail on both."""
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    if rank == 1:
        with torch.no_grad():
            model.bias[0] += 1e-6
    try:
        distributed.Torchrun(dist.group.WORLD).check_replicas(model)
    except RuntimeError as e:
        assert "1 tensor(s)" in str(e)
    else:
        raise AssertionError("differing replicas were not noticed")
    finally:
        dist.destroy_process_group()


def test_replica_check_notices_a_differing_weight(tmp_path):
    mp.spawn(_perturbed_replica, args=(str(tmp_path / "init"), []), nprocs=2, join=True)


def test_the_resume_hint_names_the_torchrun_beside_this_python(tmp_path, monkeypatch):
    """A bare `torchrun` only where the PATH's is this environment's (an activated venv): else its path."""
    bin_dir = tmp_path / "my env" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "torchrun").write_text("#!/bin/sh\n")
    (bin_dir / "torchrun").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.delenv("RNN_LAUNCHER", raising=False)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    group = distributed.Torchrun.__new__(distributed.Torchrun)       # no process group: launcher reads none
    group.world_size = 2
    monkeypatch.setenv("PATH", str(tmp_path))                           # not activated: no torchrun on the PATH
    assert group.launcher() == f"'{bin_dir}/torchrun' --nproc_per_node=2"
    monkeypatch.setenv("PATH", str(bin_dir))
    assert group.launcher() == "torchrun --nproc_per_node=2"
    (bin_dir / "torchrun").unlink()                                     # none beside it (a user-site install)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert group.launcher() == "torchrun --nproc_per_node=2"


def torchrun(launch: list[str], run: Path) -> list[str]:
    """The command that trains configs/tiny.yaml for 2 epochs into `run`, started by torchrun with `launch`
    (from any folder: a relative `run` is relative to the launcher's; the data's relative to the repository's)."""
    return [sys.executable, "-m", "torch.distributed.run", *launch, str(ROOT / "train.py"),
            str(ROOT / "configs/tiny.yaml"), f"data.root={ROOT}", "train.epochs=2", "--run-dir", str(run)]


def assert_two_ranks_trained_identical_replicas(stdout: str, run: Path) -> None:
    """What a 2-process run printed (`stdout`, all launchers together) and wrote (`run`)."""
    # the ranks' weights were compared bitwise inside training (assert_replicas_equal), after the last step
    assert "replicas identical:" in stdout and "equal on 2 ranks" in stdout
    assert stdout.count("epoch  1 |") == 1                                    # only rank 0 prints
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"dev/accuracy", "test/accuracy"} <= set(metrics) and metrics["epochs"] == 2
    last = load_checkpoint(run / "last.pt")
    assert last["progress"]["world_size"] == 2 and len(last["rng"]["ranks"]) == 2
    best = load_checkpoint(run / "best.pt")
    assert not any(k.startswith("module.") for k in best["model"])          # the unwrapped model's weights
    writers = {f.name.split(".")[-2] for f in run.glob("events.out.tfevents.*")}  # ...<host>.<pid>.<n>
    assert len(writers) == 1                                                  # one process logs: rank 0


def test_torchrun_two_cpu_processes_train_identical_replicas(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.run(torchrun(["--standalone", "--nproc_per_node=2"], run), cwd=ROOT, env=ENV, text=True,
                          capture_output=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_two_ranks_trained_identical_replicas(proc.stdout, run)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_launchers(commands: list[tuple[list[str], Path]], logs: Path) -> list[tuple[int, str, str]]:
    """Starts every (command, folder) at once; (returncode, stdout, stderr) of each, in order. Past TIMEOUT all of them
    and their workers are killed and the test fails with what they printed. Output goes to files in `logs`:
    a full pipe would block a launcher while the other is waited on."""
    logs.mkdir()
    started = []
    for i, (cmd, cwd) in enumerate(commands):
        with open(logs / f"{i}.out", "w") as out, open(logs / f"{i}.err", "w") as err:
            started.append(subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=out, stderr=err, start_new_session=True))
    deadline = time.monotonic() + TIMEOUT
    try:
        codes = [p.wait(timeout=max(0.0, deadline - time.monotonic())) for p in started]
    except subprocess.TimeoutExpired:
        for p in started:
            os.killpg(p.pid, signal.SIGKILL)                                  # the launcher and its workers
            p.wait()
        pytest.fail(f"torchrun did not finish in {TIMEOUT} s:\n" +
                    "\n".join(out + err for out, err in printed(logs, len(started))))
    return [(code, *output) for code, output in zip(codes, printed(logs, len(started)))]


def printed(logs: Path, n: int) -> list[tuple[str, str]]:
    """(stdout, stderr) of each of the `n` commands of `run_launchers`."""
    return [((logs / f"{i}.out").read_text(), (logs / f"{i}.err").read_text()) for i in range(n)]


@pytest.mark.parametrize("disks", ["shared", "separate"])
def test_torchrun_two_nodes_one_process_each_train_identical_replicas(tmp_path, disks):
    """The multi-node command, both "nodes" on this machine: each launcher starts one worker, and the c10d
    rendezvous (hosted by whichever launcher binds the port first) deals out the node ranks. "separate": each
    launcher in its own folder with a relative run dir, as on two machines that share no disk: only rank 0 writes
    files, and the final evaluation gets best.pt's weights from it (a resume reads last.pt on every node, so it needs
    a disk they share)."""
    if disks == "shared":
        folders, run = [ROOT, ROOT], tmp_path / "run"
    else:
        folders, run = [tmp_path / "node0", tmp_path / "node1"], Path("run")
        for f in folders:
            f.mkdir()
    launch = ["--nnodes=2", "--nproc-per-node=1", "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{free_port()}",
              f"--rdzv-id={uuid.uuid4().hex}", "--local-addr=127.0.0.1"]
    results = run_launchers([(torchrun(launch, run), f) for f in folders], tmp_path / "logs")
    for node, (returncode, out, err) in enumerate(results):
        assert returncode == 0, f"launcher {node}:\n{out}{err}"
    written = [d for d in dict.fromkeys(f / run for f in folders) if (d / "metrics.json").exists()]
    assert len(written) == 1                                                  # rank 0's node only
    assert_two_ranks_trained_identical_replicas("".join(out for _, out, _ in results), written[0])
