"""Errors in what the user gave (config, data, run dir, checkpoint, download, disk): on the command line one
`error: ...` line (exit code 1), never a traceback. Every entry point runs its main through `run_cli`."""
from __future__ import annotations

import os
import signal
import sys
from typing import Callable

from data.config_checks import ConfigError
from data.download import ChecksumError
from data.readers import DataFormatError
from .checkpoint import CheckpointError
from .loop import NothingLearned
from .rundir import RunDirError

USER_ERRORS = (ConfigError, DataFormatError, CheckpointError, RunDirError, ChecksumError, OSError)


def run_cli(main: Callable[[], object]) -> None:
    """Exit as a command line should: 0; 1 with `error: ...` for a user error, `warning: ...` for a run that
    learned nothing; 128 + N if signal N stopped a training (main returned {"interrupted": N}); quietly 141 when
    stdout's reader went away (SIGPIPE's code), 130 on a Ctrl-C."""
    try:
        out = main()
    except NothingLearned as e:
        sys.exit(f"warning: {e}")
    except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        sys.exit(128 + signal.SIGPIPE)
    except KeyboardInterrupt:  # Ctrl-C outside a training's loop (which saves and prints how to resume)
        sys.exit(128 + signal.SIGINT)
    except USER_ERRORS as e:
        sys.exit(f"error: {e}")
    sys.exit(128 + out["interrupted"] if isinstance(out, dict) and "interrupted" in out else 0)
