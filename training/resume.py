"""A ``--resume`` (`resume_fit`): what it may change, and what keeps the run's meaning (the rules and their reasons
are docs/rundir.md's). `check` runs before anything is written, `check_vocabs` once the data is read, and `restore`
puts the new run where last.pt stood. A new run never imports this file.
"""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf

from errors import CheckpointError, RunDirError
from .checkpoint import RUN_KEYS, load_checkpoint
from .loop import Progress
from .saved import load_weights, saved_config

FREE = {"data.root", "data.download", "train.epochs", "train.patience", "train.max_steps", "train.max_minutes",
        "train.log_every", "train.device", "train.threads", "train.num_workers", "train.device_data", "train.amp"}
AT_EPOCH_START = {"train.batch_size", "train.seed"}  # they order an epoch's batches: a position inside one is theirs
SECTIONS = ("data", "model", "train")
RESUME_KEYS = (*RUN_KEYS, "optimizer", "scheduler", "progress", "rng")  # last.pt: also where training stands


def resume_fit(run_dir: str | Path, overrides: list[str] = ()) -> dict:
    """Continue the run in run_dir from its last.pt (``overrides`` apply on top of its config, e.g. more epochs)."""
    from .trainer import fit  # not at the top: setup (which fit imports) imports this file for a resume
    resume = load_checkpoint(Path(run_dir) / "last.pt", RESUME_KEYS)
    return fit(saved_config(resume["config"], Path(run_dir) / "last.pt", overrides), run_dir, resume=resume)


def check(run_dir: Path, cfg: dict, last: dict, world_size: int) -> None:
    """Refuse a resume from ``last`` (last.pt's dict) with ``cfg`` (the config dict, overrides applied) if it changes
    what the run means, or if ``last`` is not the run's."""
    mid_epoch = last["progress"]["batch"] > 0
    for key in _differing(cfg, last["config"]):
        if key in FREE or (key in AT_EPOCH_START and not mid_epoch):
            continue
        section, name = key.split(".")
        now, then = cfg[section].get(name), last["config"][section].get(name)
        raise RunDirError(f"--resume {run_dir}: {key} is {now!r} here but {then!r} in its last.pt; {_why(key)}: "
                          f"start a new run for this")
    saved = last["progress"]["world_size"]
    if mid_epoch and saved != world_size:
        raise RunDirError(f"--resume {run_dir}: it stopped mid-epoch with {saved} process(es), this is {world_size}; "
                          f"resume it with torchrun --nproc_per_node={saved} (a step takes one batch per process)")
    _check_belongs(run_dir, last)


def check_vocabs(run_dir: Path, vocabs, resume: dict) -> None:
    """The data's vocabularies must be last.pt's (else its ids would mean other words and labels)."""
    now = vocabs.to_dict()
    for key in ("labels", "words", "chars"):
        if now[key] != resume[key]:
            raise RunDirError(f"--resume {run_dir}: the training data is not the data of its last.pt: "
                              f"{_difference(key, now[key], resume[key])}; resume with that data, or start a new run")


def restore(t, resume: dict) -> None:
    """The `training.setup.Trainer` ``t`` at last.pt's weights, optimizer, lr schedule, progress and RNG states."""
    load_weights(t.model, resume["model"], t.run_dir / "last.pt")
    try:
        t.optimizer.load_state_dict(resume["optimizer"])
    except (ValueError, KeyError) as e:
        raise CheckpointError(f"{t.run_dir / 'last.pt'}: its optimizer state does not fit the model ({e})") from None
    if t.scheduler is not None:  # then last.pt has one: train.lr_decay is fixed
        t.scheduler.load_state_dict(resume["scheduler"])
    t.progress = Progress(**resume["progress"])
    set_rng_state(t.group.own_rng_state(resume["rng"]))
    print(f"resuming {t.run_dir} at epoch {t.progress.epoch}, batch {t.progress.batch} (step {t.progress.step})")


def set_rng_state(state: dict) -> None:
    """Put back the RNG states `training.checkpoint.rng_state` took."""
    internal, version, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _why(key: str) -> str:
    if key.startswith(("data.", "model.")):
        return "a resume trains the same model on the same data (only train.* settings may change)"
    if key in AT_EPOCH_START:
        return "it stopped mid-epoch, and the rest of that epoch is in its batch order (change it at an epoch's start)"
    return (f"a resume continues the same training (it may change {', '.join(sorted(FREE))}; "
            f"{' and '.join(sorted(AT_EPOCH_START))} between epochs)")


def _check_belongs(run_dir: Path, last: dict) -> None:
    """last.pt agrees with the run's config.yaml (data and model sections) and best.pt (task, vocabularies)."""
    if (run_dir / "config.yaml").is_file():
        written = OmegaConf.to_container(OmegaConf.load(run_dir / "config.yaml"))
        for section in ("data", "model"):
            if [k for k in _differing(written, last["config"], (section,)) if k not in FREE]:
                raise RunDirError(f"{run_dir / 'last.pt'} is not this run's: its {section} settings differ from "
                                  f"{run_dir / 'config.yaml'}")
    if (run_dir / "best.pt").is_file():
        best = load_checkpoint(run_dir / "best.pt")
        for key in ("task", "labels", "words", "chars"):
            if best.get(key) != last.get(key):
                raise RunDirError(f"{run_dir / 'last.pt'} is not this run's: its {key} differ from "
                                  f"{run_dir / 'best.pt'}'s")


def _differing(a: dict, b: dict, sections: tuple[str, ...] = SECTIONS) -> list[str]:
    """The keys ("section.key") whose values differ between config dicts a and b (a key only one has is not)."""
    keys = []
    for section in sections:
        x, y = a.get(section) or {}, b.get(section) or {}
        keys += [f"{section}.{k}" for k in sorted(set(x) & set(y)) if x[k] != y[k]]
    return keys


def _difference(key: str, now: dict | None, then: dict | None) -> str:
    if key == "labels":
        for field in sorted(set(now) | set(then)):
            new, old = set(now.get(field, {}).get("itos", [])), set(then.get(field, {}).get("itos", []))
            if new != old:
                return (f"{field} {sorted(new - old)[:10]} are new, {sorted(old - new)[:10]} are gone "
                        f"({len(new)} now, {len(old)} in last.pt)")
        return "the labels are in another order"
    if key == "words":
        return f"the vocabulary differs ({len(now['itos'])} words now, {len(then['itos'])} in last.pt)"
    return "the character vocabulary differs"
