"""The processes a run trains with, as one object the trainer asks: `Single` (one process: every exchange is the
identity), or under torchrun `training.distributed.Torchrun` (a part). Nothing else knows how many there are."""
from __future__ import annotations

import os
import shlex
import shutil
import sys
from contextlib import nullcontext

import torch
from torch.utils.tensorboard import SummaryWriter

from errors import needs_part
from .loop import StopOnSignal


class Single:
    """One process: it writes and prints, sees every batch, and exchanges nothing."""
    rank, world_size, is_main = 0, 1, True

    def shard(self) -> dict:
        """This process's share of the batches, as `make_loader` keyword arguments (one process: all, the default)."""
        return {}

    def main_first(self):
        """A block rank 0 runs before the others (e.g. filling the datasets cache)."""
        return nullcontext()

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        return model

    def broadcast(self, obj):
        """Rank 0's ``obj`` on every rank."""
        return obj

    def gather(self, *parts):
        """Each rank's lists (or dicts of lists), concatenated in rank order, on every rank."""
        return parts

    # under torchrun: the epoch's stats averaged over ranks, every rank's RNG states for last.pt, this rank's picked
    # back from them on a resume; one process has nothing to exchange: each is the identity
    reduce_stats = rng_states = own_rng_state = broadcast

    def writer(self, run_dir, purge_step: int | None) -> SummaryWriter:
        """The run's TensorBoard writer (under torchrun only rank 0's writes)."""
        return SummaryWriter(run_dir, purge_step=purge_step)

    def stop_on_signal(self) -> StopOnSignal:
        """Ctrl-C and SIGTERM (on any rank) stop the loop after the step."""
        return StopOnSignal()

    def check_replicas(self, model: torch.nn.Module) -> None:
        """Every rank holds rank 0's weights (a barrier as well)."""

    def launcher(self) -> str:
        """This interpreter (`python` when that is the one on the PATH)."""
        return "python" if shutil.which("python") == sys.executable else shlex.quote(sys.executable)

    def resume_command(self, run_dir) -> str:
        """The shell command that resumes ``run_dir`` with as many processes."""
        script = sys.argv[0] if os.path.basename(sys.argv[0]) == "train.py" else "train.py"
        return f"{self.launcher()} {shlex.quote(script)} --resume {shlex.quote(str(run_dir))}"


def process_group(device: torch.device) -> tuple[Single, torch.device]:
    """The run's processes and this one's device: torchrun's when it started several, else one on ``device``."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return Single(), device
    return needs_part("training.distributed", "torchrun (WORLD_SIZE > 1)").Torchrun.join(device)
