"""Wall time until a run's dev accuracy first reaches a target, read from its TensorBoard events.

    python -m benchmarks.time_to_accuracy runs/pos_ud_ewt-... [--target 0.93] [--tag dev/accuracy]

Time counts from the run's first TensorBoard event (the SummaryWriter opens after data loading and model
building, just before the first step) to the event of the first dev score >= target, so it includes the
per-epoch dev evaluations: the time a user waits. A resumed run's events include the pause between runs.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from errors import UserError, run_cli


def time_to_accuracy(run_dir: str, target: float, tag: str = "dev/accuracy") -> dict:
    """{reached, seconds, value, epoch, step} for the first point >= target, else for the best point."""
    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})  # 0: keep every point
    acc.Reload()
    if tag not in acc.Tags()["scalars"]:
        raise UserError(f"{run_dir}: no {tag!r} scalars; found {sorted(acc.Tags()['scalars'])}")
    start = acc.FirstEventTimestamp()
    has_epochs = "train/epoch" in acc.Tags()["scalars"]
    epochs = {e.step: int(e.value) for e in acc.Scalars("train/epoch")} if has_epochs else {}  # step -> epoch
    points = acc.Scalars(tag)
    hit = next((e for e in points if e.value >= target), None)
    e = hit or max(points, key=lambda p: p.value)
    return {"reached": hit is not None, "seconds": e.wall_time - start, "value": e.value,
            "epoch": epochs.get(e.step), "step": e.step}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir")
    p.add_argument("--target", type=float, default=0.93, help="dev score to reach (default 0.93)")
    p.add_argument("--tag", default="dev/accuracy", help="TensorBoard scalar (default dev/accuracy)")
    args = p.parse_args(argv)
    r = time_to_accuracy(args.run_dir, args.target, args.tag)
    where = f"epoch {r['epoch']}, step {r['step']}"
    if r["reached"]:
        print(f"{args.tag} >= {args.target}: reached {r['value']:.4f} at {r['seconds']:.1f} s ({where})")
    else:
        print(f"{args.tag} >= {args.target}: not reached, best {r['value']:.4f} at {r['seconds']:.1f} s ({where})")
    return r


if __name__ == "__main__":
    run_cli(main)
