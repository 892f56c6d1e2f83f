"""Multi-process training with torchrun: DistributedDataParallel, gloo on CPU, nccl on CUDA (one GPU each).

    torchrun --nproc_per_node=N train.py CONFIG [section.key=value ...]

torchrun starts N copies of train.py with RANK, LOCAL_RANK and WORLD_SIZE set. Without them (a plain
`python train.py`) every function here is a no-op or the identity, and training runs in one process.

What the ranks share and what only rank 0 does:
- each rank trains on its own share of every epoch's batches (`data.batching.BucketBatchSampler`), DDP
  averages the gradients, so the weights stay identical (`assert_replicas_equal` checks it at the end);
  the effective batch is N x train.batch_size and the learning rate is not rescaled;
- dev and test are split across ranks too, and `gather` hands every rank all the predictions, so every
  rank computes the same metrics and takes the same decisions (best epoch, lr decay, early stopping);
- a Ctrl-C or SIGTERM on any rank stops every rank after the same step (`stop_on_signal`);
- only rank 0 writes (run dir, TensorBoard, checkpoints, metrics.json) and prints: the stdout of the other
  ranks goes to /dev/null, their errors still reach stderr. Checkpoints hold the unwrapped model's weights.
"""
from __future__ import annotations

import atexit
import os
import shlex
import shutil
import sys
from contextlib import contextmanager

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from .loop import StopOnSignal

_cpu_group = None  # gloo group for small CPU-side exchanges (stop flags, Python objects): no GPU sync


def setup(device: torch.device) -> torch.device:
    """Join torchrun's process group, if launched by torchrun. Returns this process's device:
    cuda:LOCAL_RANK under torchrun on GPUs, `device` otherwise."""
    global _cpu_group
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        return device
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    _cpu_group = dist.new_group(backend="gloo") if device.type == "cuda" else dist.group.WORLD
    atexit.register(dist.destroy_process_group)
    if dist.get_rank() > 0:
        sys.stdout = open(os.devnull, "w")  # only rank 0 prints
    return device


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def is_main() -> bool:
    """True in the process that writes files and prints: rank 0, or the only process."""
    return rank() == 0


def resume_command(run_dir) -> str:
    """The command that resumes ``run_dir`` with as many processes (the resume hint), paths quoted for a shell."""
    script = sys.argv[0] if os.path.basename(sys.argv[0]) == "train.py" else "train.py"
    return f"{launcher()} {shlex.quote(script)} --resume {shlex.quote(str(run_dir))}"


def launcher() -> str:
    """How to start this run again with as many processes: this interpreter (`python` when that is the one on the
    PATH), or torchrun."""
    if world_size() == 1:
        return "python" if shutil.which("python") == sys.executable else shlex.quote(sys.executable)
    per_node = int(os.environ.get("LOCAL_WORLD_SIZE", world_size()))
    torchrun = os.environ.get("RNN_LAUNCHER", "torchrun")  # training/torchrun.py sets it: `python -m training.torchrun`
    if per_node == world_size():
        return f"{torchrun} --nproc_per_node={per_node}"
    return (f"(on each of the {world_size() // per_node} nodes) {torchrun} --nnodes={world_size() // per_node} "
            f"--nproc-per-node={per_node} --rdzv-backend=c10d --rdzv-endpoint=HOST:PORT")


def shard() -> dict:
    """This process's share of the batches, as `make_loader` keyword arguments."""
    return {"num_replicas": world_size(), "rank": rank()}


@contextmanager
def main_first():
    """Rank 0 runs the block first (e.g. filling the datasets cache), then the other ranks do."""
    if not is_main():
        dist.barrier(group=_cpu_group)
    yield
    if is_main() and world_size() > 1:
        dist.barrier(group=_cpu_group)


class NoWriter:
    """Stands in for SummaryWriter on ranks > 0: every method does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def wrap(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """DDP around `model` when there are several processes (it broadcasts rank 0's weights now and averages
    gradients in backward); `model` itself otherwise. Keep the unwrapped `model` for predict and state_dict."""
    if world_size() == 1:
        return model
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def broadcast_object(obj):
    """Rank 0's `obj` on every rank (e.g. the run directory, whose default name holds the start time)."""
    if world_size() == 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0, group=_cpu_group)
    return box[0]


def gather(*parts):
    """Each rank's lists (or dicts of lists, as `training.loop.gold_and_predicted` returns) -> the same concatenation,
    in rank order, on every rank."""
    if world_size() == 1:
        return parts
    everyone = [None] * world_size()
    dist.all_gather_object(everyone, parts, group=_cpu_group)

    def join(i):
        if isinstance(parts[i], dict):  # a rank with no batches has {}: take the keys of all ranks
            keys = dict.fromkeys(k for part in everyone for k in part[i])
            return {k: [x for part in everyone for x in part[i].get(k, [])] for k in keys}
        return [x for part in everyone for x in part[i]]
    return tuple(join(i) for i in range(len(parts)))


def reduce_stats(stats: dict) -> dict:
    """train_one_epoch's {loss, tokens_per_s, seconds} over all ranks: the mean loss, the total throughput (the
    epoch's seconds stay this rank's)."""
    if world_size() == 1:
        return stats
    t = torch.tensor([stats["loss"], stats["tokens_per_s"]], dtype=torch.float64)
    dist.all_reduce(t, group=_cpu_group)
    return {**stats, "loss": t[0].item() / world_size(), "tokens_per_s": t[1].item()}


def rng_states(state: dict) -> dict:
    """For last.pt: this rank's RNG state, plus every rank's under "ranks" when there are several."""
    if world_size() == 1:
        return state
    return {**state, "ranks": gather([state])[0]}


def own_rng_state(state: dict) -> dict:
    """The inverse of `rng_states`: the state this rank saved (rank 0's for a single process)."""
    ranks = state.get("ranks")
    return ranks[rank()] if ranks and len(ranks) == world_size() else state


class _StopOnAnyRank(StopOnSignal):
    """`requested` is true on every rank as soon as a signal reached any rank; each read is one tiny
    all-reduce on the CPU group. Every rank reads it at the same points, once per step."""

    @property
    def requested(self) -> bool:
        flag = torch.tensor([self.signum or 0])
        dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=_cpu_group)
        self.signum = int(flag) or None
        return self.signum is not None

    @requested.setter
    def requested(self, value: bool) -> None:
        pass  # the local state is `signum`, set by the handler


def stop_on_signal() -> StopOnSignal:
    return StopOnSignal() if world_size() == 1 else _StopOnAnyRank()


def assert_replicas_equal(model: torch.nn.Module) -> None:
    """Every rank holds exactly rank 0's weights (bitwise), or RuntimeError. A barrier as well."""
    if world_size() == 1:
        return
    bad = 0
    for name, p in model.state_dict().items():
        theirs = p.detach().clone()
        dist.broadcast(theirs, src=0)
        bad += not torch.equal(theirs, p)
    count = torch.tensor([bad], device=next(model.parameters()).device)
    dist.all_reduce(count)
    if int(count):
        raise RuntimeError(f"DDP replicas differ: {int(count)} tensor(s) are not rank 0's")
    print(f"replicas identical: {len(model.state_dict())} tensors equal on {world_size()} ranks")
