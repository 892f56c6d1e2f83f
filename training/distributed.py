"""Multi-process training with torchrun: DistributedDataParallel, gloo on CPU, nccl on CUDA (one GPU each).

    torchrun --nproc_per_node=N train.py CONFIG [section.key=value ...]

torchrun starts N copies of train.py with RANK, LOCAL_RANK and WORLD_SIZE set. Without them (a plain
`python train.py`) every function here is a no-op or the identity, and training runs in one process.

What the ranks share and what only rank 0 does:
- each rank trains on its own share of every epoch's batches (`ShardedBatchSampler`), DDP
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
from functools import partial

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from data.batching import BucketBatchSampler
from .group import Single
from .loop import StopOnSignal


class ShardedBatchSampler(BucketBatchSampler):
    """This rank's share of `BucketBatchSampler`'s batches: every rank builds the same batches (same seed and epoch),
    groups neighbours in length order into steps of ``num_replicas`` batches, shuffles the steps, and takes its own
    batch of each step. So the ranks get disjoint batches, equally many (DDP needs the same number of steps
    everywhere: the last ``len % num_replicas`` batches in pool order, other sentences each epoch, are left out) and
    of similar length within a step (no rank waits long for another); `set_epoch`'s ``start`` counts steps, the same
    on every rank. Evaluation (``shuffle=False``) deals the sorted batches round-robin and leaves nothing out. One
    process gives exactly `BucketBatchSampler`'s batches.
    """

    def __init__(self, lengths: list[int], batch_size: int, shuffle: bool = True, seed: int = 0,
                 pool_factor: int = 50, num_replicas: int = 1, rank: int = 0):
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is not in [0, num_replicas={num_replicas})")
        super().__init__(lengths, batch_size, shuffle, seed, pool_factor)
        self.num_replicas, self.rank = num_replicas, rank

    def __iter__(self):
        world = self.num_replicas
        if not self.shuffle:
            yield from self.sorted_batches()[self.rank::world]  # every world-th batch
            return
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        batches = self.pooled_batches(g)
        steps = [batches[i: i + world] for i in range(0, len(batches) - world + 1, world)]  # neighbours in length
        for j in torch.randperm(len(steps), generator=g).tolist()[self.start:]:
            yield steps[j][self.rank]

    def __len__(self) -> int:
        batches = super().__len__()
        if self.shuffle:
            return batches // self.num_replicas
        return (batches - self.rank + self.num_replicas - 1) // self.num_replicas


class Torchrun(Single):
    """torchrun's processes, joined: gloo on CPU, nccl on CUDA, and a gloo group for small CPU-side exchanges (stop
    flags, Python objects) so that they need no GPU sync."""

    def __init__(self, cpu_group):
        self.cpu_group = cpu_group
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.is_main = self.rank == 0

    @classmethod
    def join(cls, device: torch.device) -> tuple[Torchrun, torch.device]:
        """Join the group torchrun set up (RANK, LOCAL_RANK, WORLD_SIZE); cuda:LOCAL_RANK on GPUs."""
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
            atexit.register(dist.destroy_process_group)
        group = cls(dist.new_group(backend="gloo") if device.type == "cuda" else dist.group.WORLD)
        if not group.is_main:
            sys.stdout = open(os.devnull, "w")  # only rank 0 prints
        return group, device

    @contextmanager
    def main_first(self):
        if not self.is_main:
            dist.barrier(group=self.cpu_group)
        yield
        if self.is_main:
            dist.barrier(group=self.cpu_group)

    def shard(self) -> dict:
        return {"sampler": partial(ShardedBatchSampler, num_replicas=self.world_size, rank=self.rank)}

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """DDP around ``model`` (it broadcasts rank 0's weights now and averages gradients in backward). Keep the
        unwrapped model for predict and state_dict."""
        return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    def broadcast(self, obj):
        box = [obj]
        dist.broadcast_object_list(box, src=0, group=self.cpu_group)
        return box[0]

    def gather(self, *parts):
        everyone = [None] * self.world_size
        dist.all_gather_object(everyone, parts, group=self.cpu_group)

        def join(i):
            if isinstance(parts[i], dict):  # a rank with no batches has {}: take the keys of all ranks
                keys = dict.fromkeys(k for part in everyone for k in part[i])
                return {k: [x for part in everyone for x in part[i].get(k, [])] for k in keys}
            return [x for part in everyone for x in part[i]]
        return tuple(join(i) for i in range(len(parts)))

    def reduce_stats(self, stats: dict) -> dict:
        """The mean loss and the total throughput over ranks (the epoch's seconds stay this rank's)."""
        t = torch.tensor([stats["loss"], stats["tokens_per_s"]], dtype=torch.float64)
        dist.all_reduce(t, group=self.cpu_group)
        return {**stats, "loss": t[0].item() / self.world_size, "tokens_per_s": t[1].item()}

    def rng_states(self, state: dict) -> dict:
        return {**state, "ranks": self.gather([state])[0]}

    def own_rng_state(self, state: dict) -> dict:
        ranks = state.get("ranks")
        return ranks[self.rank] if ranks and len(ranks) == self.world_size else state

    def stop_on_signal(self) -> StopOnSignal:
        return _StopOnAnyRank(self.cpu_group)

    def writer(self, run_dir, purge_step: int | None):
        return super().writer(run_dir, purge_step) if self.is_main else _NoWriter()

    def check_replicas(self, model: torch.nn.Module) -> None:
        """Every rank holds exactly rank 0's weights (bitwise), or RuntimeError. A barrier as well."""
        bad = 0
        for name, p in model.state_dict().items():
            theirs = p.detach().clone()
            dist.broadcast(theirs, src=0)
            bad += not torch.equal(theirs, p)
        count = torch.tensor([bad], device=next(model.parameters()).device)
        dist.all_reduce(count)
        if int(count):
            raise RuntimeError(f"DDP replicas differ: {int(count)} tensor(s) are not rank 0's")
        print(f"replicas identical: {len(model.state_dict())} tensors equal on {self.world_size} ranks")

    def launcher(self) -> str:
        """torchrun with as many processes (per node and nodes)."""
        per_node = int(os.environ.get("LOCAL_WORLD_SIZE", self.world_size))
        torchrun = os.environ.get("RNN_LAUNCHER") or _torchrun()  # training/torchrun.py: `python -m training.torchrun`
        if per_node == self.world_size:
            return f"{torchrun} --nproc_per_node={per_node}"
        nodes = self.world_size // per_node
        return (f"(on each of the {nodes} nodes) {torchrun} --nnodes={nodes} --nproc-per-node={per_node} "
                f"--rdzv-backend=c10d --rdzv-endpoint=HOST:PORT")


def _torchrun() -> str:
    """The torchrun beside this interpreter: `torchrun` when that is the one on the PATH (or there is none beside
    it: a user-site install), else its path."""
    beside = os.path.join(os.path.dirname(sys.executable), "torchrun")
    return "torchrun" if shutil.which("torchrun") == beside or not os.access(beside, os.X_OK) else shlex.quote(beside)


class _StopOnAnyRank(StopOnSignal):
    """`requested` is true on every rank as soon as a signal reached any rank; each read is one tiny all-reduce on
    the CPU group. Every rank reads it at the same points, once per step, and decides on the reduced value only, so
    all stop after the same step. A signal handled while a read is in its all-reduce (where the ranks wait for each
    other: much of a step) is kept in `received` for the next read, never overwritten by that read's result."""

    def __init__(self, cpu_group):
        super().__init__()
        self.cpu_group, self.received = cpu_group, None

    def _handle(self, signum, frame):
        self.received = signum

    @property
    def requested(self) -> bool:
        flag = torch.tensor([self.received or 0])
        dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=self.cpu_group)
        self.signum = int(flag) or self.signum
        return self.signum is not None

    @requested.setter
    def requested(self, value: bool) -> None:
        pass  # the local state is `received`, set by the handler; `signum` is what every rank agreed on


class _NoWriter:
    """SummaryWriter where a process does not write: every method does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None
