"""Multi-process training: the sharded bucketing sampler, and `torchrun` with 2 CPU processes (gloo) end to end."""
import json
import os
import subprocess
import sys
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


def shares(world: int, epoch: int = 1, start: int = 0, shuffle: bool = True, pool_factor: int = 4) -> list:
    """Each rank's batches (lists of indices) for one epoch."""
    out = []
    for rank in range(world):
        s = BucketBatchSampler(LENGTHS, 8, shuffle=shuffle, seed=3, pool_factor=pool_factor, num_replicas=world,
                               rank=rank)
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


def test_evaluation_is_dealt_round_robin_and_loses_nothing():
    parts = shares(2, shuffle=False)
    assert sorted(i for p in parts for batch in p for i in batch) == list(range(len(LENGTHS)))


def _perturbed_replica(rank: int, init_file: str, ok: list):
    """Two gloo processes; rank 1 changes one weight; assert_replicas_equal must fail on both."""
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    if rank == 1:
        with torch.no_grad():
            model.bias[0] += 1e-6
    try:
        distributed.assert_replicas_equal(model)
    except RuntimeError as e:
        assert "1 tensor(s)" in str(e)
    else:
        raise AssertionError("differing replicas were not noticed")
    finally:
        dist.destroy_process_group()


def test_replica_check_notices_a_differing_weight(tmp_path):
    mp.spawn(_perturbed_replica, args=(str(tmp_path / "init"), []), nprocs=2, join=True)


def test_torchrun_two_cpu_processes_train_identical_replicas(tmp_path):
    run = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "train.py", "configs/tiny.yaml", "train.epochs=2", "--run-dir", str(run)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the ranks' weights were compared bitwise inside training (assert_replicas_equal), after the last step
    assert "replicas identical:" in proc.stdout and "equal on 2 ranks" in proc.stdout
    assert proc.stdout.count("epoch  1 |") == 1                               # only rank 0 prints
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"dev/accuracy", "test/accuracy"} <= set(metrics) and metrics["epochs"] == 2
    last = load_checkpoint(run / "last.pt")
    assert last["progress"]["world_size"] == 2 and len(last["rng"]["ranks"]) == 2
    best = load_checkpoint(run / "best.pt")
    assert not any(k.startswith("module.") for k in best["model"])          # the unwrapped model's weights
    writers = {f.name.split(".")[-2] for f in run.glob("events.out.tfevents.*")}  # ...<host>.<pid>.<n>
    assert len(writers) == 1                                                  # one process logs: rank 0
