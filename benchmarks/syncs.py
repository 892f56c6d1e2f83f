"""Host syncs in the training step on CUDA: how often a step of `train_one_epoch` makes the host wait for the GPU,
and where; plus the checks that only a GPU can make of the device loop's batches.

    python -m benchmarks.syncs [--config configs/pos_ud_ewt_gpu.yaml] [key=value ...] [--steps 10] [--device cuda]

For the device loop (`train.device_data`) and the DataLoader, each with both `model.rnn_path`s, it trains `--steps`
and then twice as many steps of epoch 1 under ``torch.cuda.set_sync_debug_mode("warn")``, which warns at every
synchronizing CUDA call (a blocking copy, ``.item()``, a data-dependent size such as torch.unique's), and prints
the syncs per step (what grows with the steps) and per call (the epoch's end) with the lines that made them.
Before that it checks, on the device: every batch of an epoch carries the spellings that torch.unique finds in
its chars (`data.device_loader` numbers them on the host), and the reversed path's
``output`` and ``h_n`` equal the packed (cuDNN) path's on the first batch. `--device cpu` runs the same code with
nothing to count (a smoke test: tests/test_benchmark.py); ``cuda`` without a GPU exits 2.
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import collections
import dataclasses
import sys
import tempfile
import warnings

import torch
from torch.utils.tensorboard import SummaryWriter

from errors import run_cli
from data.batching import make_loader
from data.datasets import prepare
from data.config import task_of
from data.device_loader import make_device_loader
from models.tasks import build_model
from models import reversed as reversed_path
from training.config import load_config
from training.loop import Progress, StopOnSignal, make_optimizer, train_one_epoch


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="configs/pos_ud_ewt_gpu.yaml")
    p.add_argument("overrides", nargs="*", help="config overrides, e.g. train.batch_size=32")
    p.add_argument("--steps", type=int, default=10, help="counted over N and then 2N steps (after 3 untimed)")
    p.add_argument("--device", default="cuda", help="cuda (default), or cpu for a smoke test")
    p.add_argument("--limit", type=int, help="keep only the first N examples of each split (smoke tests)")
    return p.parse_args(argv)


def check_spellings(loader) -> int:
    """Every batch's spellings == torch.unique of its chars on this device; returns the batches checked."""
    n = 0
    for batch in loader:
        B, T, C = batch.chars.shape
        distinct, index = torch.unique(batch.chars.reshape(B * T, C), dim=0, return_inverse=True)
        if not (torch.equal(batch.spellings, distinct) and torch.equal(batch.spelling_ids, index.reshape(B, T))):
            raise AssertionError(f"batch {n}: the loader's spellings differ from torch.unique's on {distinct.device}")
        n += 1
    return n


@torch.no_grad()
def check_paths(cfg, sizes, num_chars, batch, device) -> float:
    """The largest |reversed - packed| over output and h_n on one batch, the same weights (eval mode)."""
    torch.manual_seed(cfg.train.seed)
    model = build_model(task_of(cfg.data), *sizes, dataclasses.replace(cfg.model, rnn_path="packed"),
                        num_chars).to(device).eval()
    enc = model.encoder
    x = enc.embedding(batch.tokens)
    if enc.char_cnn is not None:
        x = torch.cat([x, enc.char_cnn(batch.chars, batch.distinct_spellings)], dim=-1)
    (out_p, h_p), (out_r, h_r) = enc.run_packed(x, batch.lengths), reversed_path.run(enc, x, batch.lengths)
    return max((out_p - out_r).abs().max().item(), (h_p - h_r).abs().max().item())


def count_syncs(cfg, sizes, num_chars, loader, device, steps: int) -> tuple[dict, dict]:
    """({'file:line': syncs per step}, {'file:line': syncs per call}) of train_one_epoch, from two calls after 3
    untimed steps: `steps` steps, then 2 x `steps`. What grows with the steps is per step; the rest comes once per
    call (the epoch's loss and NaN check)."""
    if 3 + 2 * steps > len(loader):
        raise SystemExit(f"benchmarks.syncs: 3 + 2 x --steps {steps} steps need more than the {len(loader)} batches "
                         f"of an epoch; lower --steps")
    torch.manual_seed(cfg.train.seed)
    model = build_model(task_of(cfg.data), *sizes, cfg.model, num_chars).to(device)
    optimizer, writer = make_optimizer(model, cfg.train), SummaryWriter(tempfile.mkdtemp(prefix="syncs-"))
    cuda = device.type == "cuda"
    debug = torch.cuda.set_sync_debug_mode if cuda else lambda mode: None  # noqa: E731  the CPU has no syncs

    def sites(n: int) -> collections.Counter:
        """Sync warnings by place over one train_one_epoch call of `n` steps from batch 3."""
        tcfg = dataclasses.replace(cfg.train, max_steps=3 + n, log_every=10 ** 9)
        progress = Progress(batch=3, step=3)
        if cuda:
            torch.cuda.synchronize()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            debug("warn")
            try:
                train_one_epoch(model, loader, optimizer, tcfg, writer, progress, device, StopOnSignal())
            finally:
                debug("default")
        if progress.step != 3 + n:
            raise AssertionError(f"ran {progress.step - 3} steps, not {n}")
        return collections.Counter(f"{w.filename.split('site-packages/')[-1]}:{w.lineno}" for w in caught
                                   if "synchroniz" in str(w.message))

    train_one_epoch(model, loader, optimizer, dataclasses.replace(cfg.train, max_steps=3), writer, Progress(),
                    device, StopOnSignal())                                    # warm-up: 3 untimed steps
    one, two = sites(steps), sites(2 * steps)
    writer.close()
    per_step = {k: (two[k] - one[k]) / steps for k in two | one if two[k] != one[k]}
    per_call = {k: one[k] - per_step.get(k, 0) * steps for k in one if one[k] - per_step.get(k, 0) * steps}
    return per_step, per_call


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("benchmarks.syncs: no CUDA device here (host syncs exist only with a GPU)", file=sys.stderr)
        raise SystemExit(2)
    cfg = load_config(args.config, list(args.overrides) + ([f"data.limit={args.limit}"] if args.limit else []))
    dd, vocabs = prepare(cfg.data, chars=cfg.model.char_filters > 0)
    sizes, num_chars = (len(vocabs.words), vocabs.label_names()), vocabs.num_chars
    bs, seed = cfg.train.batch_size, cfg.train.seed
    device_loader = make_device_loader(dd["train"], bs, True, device, seed)
    device_loader.batch_sampler.set_epoch(1)
    results = {}
    if cfg.model.char_filters:
        print(f"spellings == torch.unique on {device}: {check_spellings(device_loader)} batches of {bs}")
    first = next(iter(device_loader))
    results["max |reversed - packed|"] = check_paths(cfg, sizes, num_chars, first, device)
    print(f"reversed vs packed, output and h_n, batch of {len(first.lengths)}: max |diff| "
          f"{results['max |reversed - packed|']:.2e}")
    loaders = {"device data": device_loader,
               "DataLoader": make_loader(dd["train"], bs, True, seed, pin_memory=device.type == "cuda")}
    for name, loader in loaders.items():
        for path in ("reversed", "packed"):
            c = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, rnn_path=path))
            per_step, per_call = count_syncs(c, sizes, num_chars, loader, device, args.steps)
            results[f"{name}, {path}"] = sum(per_step.values())
            print(f"{name}, {path}: {sum(per_step.values()):.2f} syncs per step, {sum(per_call.values()):g} per "
                  f"call of train_one_epoch (from {args.steps} and {2 * args.steps} steps)"
                  + "".join(f"\n    {n:.2f}/step  {site}" for site, n in sorted(per_step.items(), key=lambda x: -x[1]))
                  + "".join(f"\n    {n:g}/call  {site}" for site, n in per_call.items()))
    return results


if __name__ == "__main__":
    run_cli(main)
