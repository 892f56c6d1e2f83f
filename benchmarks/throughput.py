"""Training throughput in real (non-pad) tokens/s: the project's loop against the raw model-step ceiling.

    python -m benchmarks.throughput [--config configs/pos_ud_ewt.yaml] [section.key=value ...] [--device cpu,cuda]
        [--batches 40]
        [--repeats 3] [--threads 1,2] [--batch-size 32] [--rnn-path reversed] [--limit N]

Measured on the train split of the config's dataset (UD EWT by default), the config's model sizes:

    (1) ceiling     the model step alone (forward, loss, backward, clip, AdamW) on batches built and moved
                    to the device beforehand: the length-bucketed batches the loop sees, `--rnn-path`
    (2) full loop   training.loop.train_one_epoch on those same batches: DataLoader, collate, host->device
                    transfer, NaN check, progress bar, TensorBoard logging to a real SummaryWriter
    (2b) busy       the full loop again while one other process keeps a core busy (``while True: pass``): what a
                    shared machine does to it (with a spinning OpenMP wait policy, 2 threads fell to 0.31 here)
    (3) naive loop  as a peer would write it: random-order batches (no bucketing), a per-example Python
                    collate, packed sequences, `loss.item()` every step; the same model, optimizer
                    (training.loop.make_optimizer) and clipping otherwise
    step alone      packed vs reversed, on random and on bucketed batches (prebuilt tensors); the ceiling's
                    step under bf16 autocast (`train.amp`), on a third copy of the model

Every measurement runs the same number of batches after its own warm-up; measurements are interleaved
(rotated each repeat) and the median over repeats is shown with its spread. No GPU timing is made
without one: CUDA columns appear only where torch.cuda.is_available().

Threads on a shared machine: with OpenMP's default wait policy, 2 threads on 2 cores while another process
keeps one core busy ran ~60x SLOWER than 1 thread here (threads spin waiting for a descheduled peer at
every parallel region). Set OMP_WAIT_POLICY=PASSIVE (read when torch loads) or use 1 thread there.
"""
from __future__ import annotations

from training import threads  # noqa: F401  first: sets OpenMP's wait policy before torch loads (training/threads.py)
import argparse
import contextlib
import dataclasses
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
from torch.utils.tensorboard import SummaryWriter

from errors import run_cli
from data.batching import INPUT_COLUMNS, LABEL_PAD, MAX_WORD_LEN, Batch, make_loader
from data.datasets import prepare
from data.config import task_of
from data.device_loader import make_device_loader
from data.vocab import PAD_ID
from models.tasks import build_model
from training.config import load_config
from training.loop import Progress, StopOnSignal, make_optimizer, train_one_epoch, train_step
from training.device import bf16_supported

STEP_ROWS = [("packed", "random"), ("reversed", "random"), ("packed", "bucketed"), ("reversed", "bucketed")]
BUSY = {"loop busy"}  # measured while a busy neighbour process runs


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="configs/pos_ud_ewt.yaml",
                   help="model sizes and dataset (default: the POS tagger, char-CNN included)")
    p.add_argument("overrides", nargs="*", help="config overrides, e.g. model.hidden_size=128")
    p.add_argument("--device", help="comma list, e.g. cpu,cuda (default: cpu, plus cuda when available)")
    p.add_argument("--batches", type=int, default=30, help="timed batches per measurement and repeat")
    p.add_argument("--warmup", type=int, default=5, help="untimed batches before each measurement's first run")
    p.add_argument("--repeats", type=int, default=3, help="interleaved repeats; the median is reported")
    p.add_argument("--threads", help="comma list of torch CPU thread counts (default: 1 and all)")
    p.add_argument("--batch-size", type=int, help="default: the config's train.batch_size")
    p.add_argument("--rnn-path", choices=["packed", "reversed"], help="path of the ceiling and the loop "
                   "(default: the config's model.rnn_path); the naive loop is always packed")
    p.add_argument("--limit", type=int, help="keep only the first N examples of each split (smoke tests)")
    return p.parse_args(argv)


def naive_collate(examples: list[dict]) -> Batch:
    """A peer's collate: pad Python lists example by example, then build tensors."""
    longest = max(len(ex["ids"]) for ex in examples)
    tokens = [ex["ids"] + [PAD_ID] * (longest - len(ex["ids"])) for ex in examples]
    batch = Batch(torch.tensor(tokens), torch.tensor([len(ex["ids"]) for ex in examples]))
    if "tag_ids" in examples[0]:  # tagging and joint
        batch.tags = torch.tensor([ex["tag_ids"] + [LABEL_PAD] * (longest - len(ex["ids"])) for ex in examples])
    if "label_ids" in examples[0]:  # classification and joint
        batch.labels = torch.tensor([ex["label_ids"] for ex in examples])
    if "chars" in examples[0]:  # (B, T, C): every word padded to the batch's longest word (capped)
        C = min(max(len(w) for ex in examples for w in ex["chars"]), MAX_WORD_LEN)
        batch.chars = torch.tensor([[w[:C] + [PAD_ID] * (C - len(w[:C])) for w in ex["chars"]]
                                    + [[PAD_ID] * C] * (longest - len(ex["ids"])) for ex in examples])
    return batch


class Bench:
    """Models, optimizers and batches for every measurement; each measurement runs `n` batches."""

    def __init__(self, cfg, args, device: torch.device):
        self.cfg, self.device, self.n = cfg, device, args.batches
        self.path = args.rnn_path or cfg.model.rnn_path
        dd, vocabs = prepare(cfg.data, chars=cfg.model.char_filters > 0)
        self.task, self.sizes = task_of(cfg.data), (len(vocabs.words), vocabs.label_names())
        self.num_chars = vocabs.num_chars
        bs, total = cfg.train.batch_size, args.batches + args.warmup
        # bucketed: the project's loader, epoch 1 of its sampler (the loop replays exactly these batches)
        self.loader = make_loader(dd["train"], bs, shuffle=True, seed=cfg.train.seed,
                                  pin_memory=device.type == "cuda")
        self.loader.batch_sampler.set_epoch(1)
        bucketed = list(itertools.islice(self.loader, total))
        # the same batches sliced from the split put on the device once (train.device_data)
        self.device_loader = make_device_loader(dd["train"], bs, shuffle=True, device=device, seed=cfg.train.seed)
        # random: a peer's DataLoader over Python lists, shuffled, no buckets (the naive loop's batches)
        examples = dd["train"].select_columns([c for c in INPUT_COLUMNS if c in dd["train"].column_names]).to_list()
        self.naive_loader = torch.utils.data.DataLoader(examples, batch_size=bs, shuffle=True, collate_fn=naive_collate,
                                                        generator=torch.Generator().manual_seed(cfg.train.seed))
        random = list(itertools.islice(self.naive_loader, total))
        if len(bucketed) < total or len(random) < total:
            raise SystemExit(f"the train split has fewer than --batches + --warmup = {total} batches of {bs}")
        self.batches = {"bucketed": [b.to(device) for b in bucketed], "random": [b.to(device) for b in random]}
        self.tokens = {k: sum(int(b.lengths.sum()) for b in v[args.warmup:]) for k, v in self.batches.items()}
        self.warmup = args.warmup
        self.models = {p: self._model(p) for p in ("packed", "reversed")}
        if bf16_supported(device):  # its own weights: the same steps under bf16 autocast
            self.models["bf16"] = self._model(self.path)
        self.writer = SummaryWriter(tempfile.mkdtemp(prefix="throughput-"))

    def _model(self, path: str):
        torch.manual_seed(self.cfg.train.seed)
        model = build_model(self.task, *self.sizes, dataclasses.replace(self.cfg.model, rnn_path=path),
                            self.num_chars).to(self.device)
        return model.train(), make_optimizer(model, self.cfg.train)

    def measurements(self) -> dict:
        """name -> callable(warmup: bool) that runs its batches; the timed run returns its real tokens."""
        runs = {f"step {p} {kind}": self._step_run(p, kind, self.cfg.train) for p, kind in STEP_ROWS}
        if "bf16" in self.models:
            runs["step bf16"] = self._step_run("bf16", "bucketed", dataclasses.replace(self.cfg.train, amp=True))
        runs["loop"], runs["loop busy"], runs["naive"] = self._loop_run, self._loop_run, self._naive_run
        runs["loop device"] = lambda warmup: self._loop_run(warmup, self.device_loader)
        return runs

    def _step_run(self, model: str, kind: str, tcfg):
        """train_step alone on the prebuilt `kind` batches, with `self.models[model]` and `tcfg`."""
        def run(warmup: bool) -> int:
            net, optimizer = self.models[model]
            for batch in self.batches[kind][: self.warmup] if warmup else self.batches[kind][self.warmup:]:
                train_step(net, optimizer, batch, tcfg)
            return self.tokens[kind]
        return run

    def _loop_run(self, warmup: bool, loader=None) -> int:
        """train_one_epoch from the start of epoch 1 for `n` steps: the bucketed batches above, in order, from
        ``loader`` (default: the DataLoader)."""
        model, optimizer = self.models[self.path]
        steps = self.warmup if warmup else self.warmup + self.n
        tcfg = dataclasses.replace(self.cfg.train, max_steps=steps)
        progress = Progress()
        if not warmup:  # skip the warm-up batches, as the other measurements do (the resume API)
            progress.batch = progress.step = self.warmup
        train_one_epoch(model, loader or self.loader, optimizer, tcfg, self.writer, progress, self.device,
                        StopOnSignal())
        return self.tokens["bucketed"]

    def _naive_run(self, warmup: bool) -> int:
        model, optimizer = self.models["packed"]
        batches = itertools.islice(self.naive_loader_epoch(), *((0, self.warmup) if warmup else (self.warmup, None)))
        total = 0.0
        for batch in batches:
            batch = batch.to(self.device)
            total += train_step(model, optimizer, batch, self.cfg.train).item()
        return self.tokens["random"]

    def naive_loader_epoch(self):
        self.naive_loader.generator.manual_seed(self.cfg.train.seed)  # the same random batches every time
        return itertools.islice(self.naive_loader, self.warmup + self.n)


@contextlib.contextmanager
def busy_neighbour(busy: bool):
    """While inside: (if `busy`) another Python process spinning on one core, started a moment before."""
    if not busy:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # scheduled and spinning before the clock starts
        yield
    finally:
        spinner.kill()
        spinner.wait()


def timed(run, device: torch.device) -> float:
    """Real tokens/s of one run, synchronising the device around it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    tokens = run(False)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return tokens / (time.perf_counter() - start)


def measure(bench: Bench, device: torch.device, thread_counts: list[int], repeats: int) -> dict:
    """{(column, name): [tokens/s per repeat]}; columns are thread counts on CPU, one column on CUDA."""
    runs = bench.measurements()
    columns = [(f"{device.type}, {t} thread{'s' * (t > 1)}", t) for t in thread_counts] if device.type == "cpu" \
        else [(str(device), torch.get_num_threads())]
    for _, t in columns:
        torch.set_num_threads(t)
        for run in runs.values():
            run(True)
    results = {}
    for r in range(repeats):
        for column, t in columns:
            torch.set_num_threads(t)
            names = list(runs)
            for name in names[r % len(names):] + names[: r % len(names)]:  # rotate: no fixed position
                with busy_neighbour(name in BUSY):
                    results.setdefault((column, name), []).append(timed(runs[name], device))
                print(f"repeat {r + 1}/{repeats}, {column}: {name} done", file=sys.stderr, flush=True)
    return results


def table(results: dict, path: str) -> str:
    """One markdown table: tokens/s (median, spread over repeats) per column, then the ratios."""
    columns = list(dict.fromkeys(c for c, _ in results))
    med = {k: statistics.median(v) for k, v in results.items()}

    def cell(col, name):
        if (col, name) not in results:
            return "no bf16 here"
        v = results[(col, name)]
        spread = (max(v) - min(v)) / med[(col, name)] / 2 if len(v) > 1 else 0.0
        return f"{med[(col, name)]:,.0f} ±{100 * spread:.0f}%"

    rows = [(f"(1) ceiling: model step alone, prebuilt tensors, bucketed, {path}", f"step {path} bucketed"),
            (f"(2) full loop: train_one_epoch, DataLoader + collate + transfer + TensorBoard, {path}", "loop"),
            ("(2b) full loop beside one busy process (`while True: pass`)", "loop busy"),
            ("(2c) full loop on device data (`train.device_data`: no per-step collate or copy)", "loop device"),
            ("(3) naive loop: random batches, per-example Python collate, packed", "naive")]
    rows += [(f"step alone: {p}, {kind} batches", f"step {p} {kind}") for p, kind in STEP_ROWS]
    rows += [(f"bf16 autocast (`train.amp`): model step alone, {path}, bucketed", "step bf16")]
    out = ["| real tokens/s (median ±half-range) | " + " | ".join(columns) + " |",
           "|---|" + "---|" * len(columns)]
    out += [f"| {label} | " + " | ".join(cell(c, name) for c in columns) + " |" for label, name in rows]
    ratios = [("(2)/(1) loop vs ceiling", "loop", f"step {path} bucketed", "{:.2f}"),
              ("(2b)/(2) busy neighbour vs quiet", "loop busy", "loop", "{:.2f}"),
              ("(2c)/(1) device-data loop vs ceiling", "loop device", f"step {path} bucketed", "{:.2f}"),
              ("(2)/(3) loop vs naive", "loop", "naive", "{:.2f}x"),
              ("reversed/packed, random batches", "step reversed random", "step packed random", "{:.2f}x"),
              ("reversed/packed, bucketed batches", "step reversed bucketed", "step packed bucketed", "{:.2f}x"),
              ("bf16 autocast / float32, model step", "step bf16", f"step {path} bucketed", "{:.2f}x")]
    out += [f"| **{label}** | " + " | ".join(fmt.format(med[(c, a)] / med[(c, b)]) if (c, a) in med else "-"
                                             for c in columns) + " |" for label, a, b, fmt in ratios]
    return "\n".join(out)


def main(argv=None) -> dict:
    """Prints the header and the table; returns {(column, measurement): median tokens/s}."""
    args = parse_args(argv)
    overrides = list(args.overrides) + ([f"train.batch_size={args.batch_size}"] if args.batch_size else [])
    overrides += [f"data.limit={args.limit}"] if args.limit else []
    cfg = load_config(args.config, overrides)
    devices = (args.device or ("cpu,cuda" if torch.cuda.is_available() else "cpu")).split(",")
    thread_counts = [int(t) for t in args.threads.split(",")] if args.threads else sorted({1, torch.get_num_threads()})
    m = cfg.model
    print(f"{cfg.data.name} train, {args.config}: {m.rnn} E {m.embed_dim} H {m.hidden_size} L {m.num_layers}, "
          f"batch {cfg.train.batch_size}, {args.batches} batches x {args.repeats} repeats after {args.warmup} warm-up; "
          f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    results = {}
    for name in devices:
        device = torch.device(name)
        bench = Bench(cfg, args, device)
        results.update(measure(bench, device, thread_counts, args.repeats))
        bench.writer.close()
    print(table(results, args.rnn_path or cfg.model.rnn_path))
    return {k: statistics.median(v) for k, v in results.items()}


if __name__ == "__main__":
    run_cli(main)
