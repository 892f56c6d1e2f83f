"""What the user gave that cannot work, in one place: the error classes every layer raises (each message names the
key, or the file and line, and what to do; docs/errors.md), the config's range checks, `needs_part` (how the core
reaches a part a copy of the template may leave out), and `run_cli`: one `error: ...` line, never a traceback.
"""
from __future__ import annotations

import importlib
import math
import os
import signal
import sys
from typing import Callable


class UserError(Exception):
    """Something the user gave (config, data, run dir, checkpoint, download); the message says what to do."""


class ConfigError(UserError, ValueError):
    """A config value that cannot work; the message names the key."""


class DataFormatError(UserError, ValueError):
    """A data file that does not have the expected format; the message names file and line."""

    def __init__(self, path, line_no: int | None, message: str):
        where = f"{path}:{line_no}" if line_no is not None else f"{path}"
        super().__init__(f"{where}: {message}")


class CheckpointError(UserError, ValueError):
    """A file that is not a checkpoint this project wrote; the message names the path and what is wrong."""


class RunDirError(UserError, RuntimeError):
    """A run directory that this training may not use; the message names it and says what to do."""


class NothingLearned(RuntimeError):
    """Training ended with a best dev score of 0 (e.g. no entity ever found): a failed run, not a result."""


class Diverged(RuntimeError):
    """The training loss stopped being finite; the message names the step and the checkpoints that stay."""


def check_ranges(section: str, obj, rules: dict[str, str]) -> None:
    """ConfigError for the first field of ``obj`` outside its rule (``"> 0"``, ``">= 1"``, ``"(0, 1]"``): ``train.lr
    must be > 0, got -1.0``. None (an optional setting left unset) passes, NaN and infinities never do."""
    for key, rule in rules.items():
        value = getattr(obj, key)
        if value is not None and not (math.isfinite(value) and _holds(value, rule)):
            finite = "" if math.isfinite(value) else " and finite"
            words = rule if rule[0] in "<>" else f"in {rule}"
            raise ConfigError(f"{section}.{key} must be {words}{finite}, got {value!r}")


def _holds(value: float, rule: str) -> bool:
    if rule.startswith(">="):
        return value >= float(rule[2:])
    if rule.startswith(">"):
        return value > float(rule[1:])
    low, high = (float(x) for x in rule[1:-1].split(","))
    return (low < value if rule[0] == "(" else low <= value) and (value < high if rule[-1] == ")" else value <= high)


def needs_part(module: str, setting: str):
    """The module of a part (README, "Parts") that ``setting`` asks for; a ConfigError if this copy left it out."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name is None or not (module == e.name or module.startswith(e.name + ".")):
            raise  # the part is there: something it imports is missing
        raise ConfigError(f"{setting} needs {module.replace('.', '/')}.py, a part this copy of the template leaves "
                          f"out (README: Parts)") from None


def run_cli(main: Callable[[], object]) -> None:
    """Exit as a command line should: 0; 1 with `error: ...` (a user error) or `warning: ...` (a run that learned
    nothing); 128 + N if signal N stopped a training (main returned {"interrupted": N}), or stdout's reader left."""
    try:
        out = main()
    except NothingLearned as e:
        sys.exit(f"warning: {e}")
    except Diverged as e:
        sys.exit(str(e))
    except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        sys.exit(128 + signal.SIGPIPE)
    except KeyboardInterrupt:  # Ctrl-C outside a training's loop (which saves and prints how to resume)
        sys.exit(128 + signal.SIGINT)
    except (UserError, OSError) as e:
        sys.exit(f"error: {e}")
    sys.exit(128 + out["interrupted"] if isinstance(out, dict) and "interrupted" in out else 0)
