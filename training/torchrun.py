"""torchrun with this project's way of ending: the same arguments, one line instead of torchrun's tracebacks.

    python -m training.torchrun --standalone --nproc_per_node=2 train.py configs/pos_ud_ewt.yaml

torchrun itself answers ``--nproc_per_node 0`` with an AssertionError traceback, prints a SignalException traceback
after the resume hint when Ctrl-C stops a training, and a page per failed worker after the worker's own `error:`
line. Here: an `error:` line for an impossible process count (before any process starts), a quiet exit (130/143)
after a signal, whose hint the workers printed (naming this command), and one last `error:` line for workers that
failed, whose own errors are above it.
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: sets OpenMP's wait policy before torch loads (training/threads.py)
import os
import shlex
import shutil
import sys

from torch.distributed import run as torchrun
from torch.distributed.elastic.multiprocessing.api import SignalException
from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
from errors import ConfigError, run_cli


LAUNCHER_ENV = "RNN_LAUNCHER"  # how the workers' resume hint names the launcher (training/distributed.py)


def main(argv=None) -> dict | None:
    args = torchrun.parse_args(argv)
    try:
        per_node = torchrun.determine_local_world_size(args.nproc_per_node)
    except ValueError as e:
        raise ConfigError(f"--nproc_per_node={args.nproc_per_node}: {e}") from None
    if per_node < 1:
        raise ConfigError(f"--nproc_per_node={args.nproc_per_node}: a training needs at least one process per node")
    python = "python" if shutil.which("python") == sys.executable else shlex.quote(sys.executable)
    os.environ[LAUNCHER_ENV] = f"{python} -m training.torchrun"
    try:
        torchrun.run(args)
    except SignalException as e:  # Ctrl-C / SIGTERM: every worker stopped after the same step and saved last.pt
        return {"interrupted": int(e.sigval)}
    except ChildFailedError as e:
        rank, failure = e.get_first_failure()
        raise ConfigError(f"{len(e.failures)} training process(es) failed, first rank {rank} (exit code "
                          f"{failure.exitcode}): its error is above") from None
    return None


if __name__ == "__main__":
    run_cli(main)
