"""A training run from start to end: `fit(cfg, run_dir)` (train.py is its command line; scripts call it too).

    setup    thread count, device, torchrun group, run-dir checks, seed, data + vocabularies, model, optimizer,
             schedule; a resumed run restores weights, optimizer, schedule, progress and RNG states from last.pt
    epochs   `train_epochs`: train one epoch -> dev score -> best.pt if it is the best -> last.pt, until the recipe
             says stop (`training.loop.finished`: epochs, early stopping, caps); SIGINT/SIGTERM: last.pt, then stop
    finish   best.pt on dev and test -> metrics.json, report_*.txt, TensorBoard's projector and HParams tab
"""
from __future__ import annotations

import json
import random
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf
from torch.utils.tensorboard import SummaryWriter

from errors import CheckpointError, Diverged, NothingLearned
from data.batching import EVAL_BATCH_SIZE, make_loader
from data.datasets import prepare
from data.config import describe, resolve_text, task_of
from data.device_loader import make_device_loader
from data.vector_sources import open_vectors
from data.vectors import load_vectors
from data.vocab import Vocabs
from models.heads import balanced_class_weights
from models.tasks import build_model
from . import distributed, metrics, rundir, tensorboard, threads
from .checkpoint import RESUME_KEYS, load_checkpoint, load_weights, rng_state, save_checkpoint, set_rng_state
from .config import Config, load_config, to_dict
from .loop import (Progress, StopOnSignal, clock, finished, gold_and_predicted, make_optimizer, make_scheduler,
                   record_dev_score, stop_reason, train_one_epoch)
from .resume import check as check_resume, check_vocabs
from .run import check_amp, check_device, resolve_device, saved_config

NUM_EXAMPLES = 5  # dev sentences shown with their predictions in TensorBoard


@dataclass
class Trainer:
    """What a run holds while it trains (built by `setup`)."""
    cfg: Config
    run_dir: Path
    task: str                  # tagging | classification | joint
    data: dict                 # split name -> numericalised datasets.Dataset
    vocabs: Vocabs
    metric: str                # the dev metric that picks best.pt
    model: torch.nn.Module     # the task model (predict and state_dict use it)
    train_model: torch.nn.Module  # the model, or DDP around it under torchrun
    optimizer: torch.optim.Optimizer
    scheduler: object          # ReduceLROnPlateau, or None: no lr decay
    progress: Progress
    loaders: dict              # "train", "validation", "test" -> DataLoader (this rank's batches)
    writer: SummaryWriter      # rank 0's; the others get a writer that does nothing
    device: torch.device
    num_threads: int           # CPU threads used (train.threads resolved)

    def checkpoint(self, **extra) -> dict:
        """best.pt's content (weights, config, task, vocabularies, progress), plus ``extra`` (last.pt's)."""
        return {"model": self.model.state_dict(), "config": to_dict(self.cfg), "task": self.task,
                **self.vocabs.to_dict(), "progress": asdict(self.progress), **extra}

    def save_best(self) -> None:
        if distributed.is_main():
            save_checkpoint(self.checkpoint(), self.run_dir / "best.pt")

    def save_last(self) -> None:
        """last.pt: everything an exact resume needs (every rank's RNG states, gathered)."""
        rng = distributed.rng_states(rng_state())
        if distributed.is_main():
            scheduler = None if self.scheduler is None else self.scheduler.state_dict()
            save_checkpoint(self.checkpoint(optimizer=self.optimizer.state_dict(), rng=rng, scheduler=scheduler),
                            self.run_dir / "last.pt")


def fit(cfg: Config, run_dir: str | Path, resume: dict | None = None, overwrite: bool = False) -> dict:
    """Train a model on cfg in run_dir: the final metrics (metrics.json), or {"interrupted": signal number} if
    SIGINT/SIGTERM stopped it (last.pt saved). ``resume``: last.pt's dict, to continue that run; ``overwrite``:
    replace the run already in run_dir. Raises NothingLearned (best dev score 0) and Diverged (loss not finite)."""
    t = setup(cfg, run_dir, resume, overwrite)
    signum = train_epochs(t)
    if signum is not None:
        t.writer.close()
        print(f"\n{signal.Signals(signum).name}: stopped after step {t.progress.step} (epoch {t.progress.epoch}, "
              f"batch {t.progress.batch}); saved {t.run_dir / 'last.pt'}.\n"
              f"Resume with: {distributed.resume_command(t.run_dir)}")
        return {"interrupted": signum}
    try:
        return finish(t)
    except KeyboardInterrupt:  # Ctrl-C after the training: best.pt and last.pt are saved, only the evaluation is lost
        t.writer.close()
        print(f"\nSIGINT: stopped during the final evaluation; the training is over and saved "
              f"({t.run_dir / 'best.pt'}, {t.run_dir / 'last.pt'}).\n"
              f"Evaluate with: {distributed.resume_command(t.run_dir)}   (it trains nothing)")
        return {"interrupted": signal.SIGINT}


def resume_fit(run_dir: str | Path, overrides: list[str] = ()) -> dict:
    """Continue the run in run_dir from its last.pt (``overrides`` apply on top of its config, e.g. more epochs)."""
    resume = load_checkpoint(Path(run_dir) / "last.pt", RESUME_KEYS)
    saved_config(resume["config"], Path(run_dir) / "last.pt")
    return fit(load_config(None, list(overrides), base=resume["config"]), run_dir, resume=resume)


def fit_or_reuse(config: str, overrides: list[str], run_dir: Path) -> dict:
    """metrics.json of the run in run_dir, training it first (`fit`) unless it has finished (sweeps): an interrupted
    run (last.pt) is resumed, one killed before its first checkpoint is started again. A run that learned nothing
    (NothingLearned) is reported with a warning and its metrics kept, so one failed variant does not end a sweep."""
    try:
        if (run_dir / "last.pt").exists() and not (run_dir / "metrics.json").exists():
            resume_fit(run_dir, overrides)
        elif not (run_dir / "metrics.json").exists():
            fit(load_config(config, overrides), run_dir, overwrite=True)
    except NothingLearned as e:
        print(f"warning: {run_dir}: {e}")
    return json.loads((run_dir / "metrics.json").read_text())


def setup(cfg: Config, run_dir: str | Path, resume: dict | None, overwrite: bool) -> Trainer:
    """Everything before the first step, in an order that matters: threads before any work (they change the
    arithmetic), run-dir checks before the data (they write nothing), the seed before the model's weights."""
    num_threads = threads.use(cfg.train.threads)
    check_device(cfg.train.device)
    cfg.data = resolve_text(cfg.data)  # spelled out: a checkpoint names them
    device = distributed.setup(resolve_device(cfg.train.device))  # torchrun: join the group (cuda:LOCAL_RANK)
    check_amp(cfg.train.amp, device)
    run_dir = Path(distributed.broadcast_object(str(run_dir)))  # rank 0's: a default name holds the start time
    if distributed.is_main():  # nothing written before these
        rundir.check(run_dir, bool(resume), overwrite)
        if resume:
            check_resume(run_dir, to_dict(cfg), resume, distributed.world_size())
    set_seed(cfg.train.seed + distributed.rank())  # own dropout per rank; DDP gives every rank rank 0's weights
    dd, vocabs, vectors = _data(cfg, resume, run_dir)
    metric = metrics.check_select_metric(cfg.train.select_metric, vocabs.label_names())
    if distributed.is_main():
        rundir.claim(run_dir, bool(resume), overwrite)
        rundir.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(to_dict(cfg)))
    loaders = _loaders(cfg, dd, device)
    weights = _class_weights(cfg, dd["train"], vocabs.label_names())
    task = task_of(cfg.data)
    model = build_model(task, len(vocabs.words), vocabs.label_names(), cfg.model, vocabs.num_chars,
                        weights, vocabs.words.frozen).to(device)
    optimizer = make_optimizer(model, cfg.train)
    t = Trainer(cfg, run_dir, task, dd, vocabs, metric, model, model, optimizer,
                make_scheduler(optimizer, cfg.train), Progress(), loaders, distributed.NoWriter(), device, num_threads)
    if resume:
        _restore(t, resume)
    coverage = None if resume else _init_embeddings(t, vectors)
    t.progress.world_size = distributed.world_size()  # a mid-epoch resume needs as many (training/resume.py)
    t.train_model = distributed.wrap(model, device)  # DDP or the model itself
    print(f"{task} on {describe(cfg.data)}: {', '.join(f'{k} {len(v)}' for k, v in dd.items())} | vocab "
          f"{len(vocabs.words)} | labels {', '.join(f'{k} {len(v)}' for k, v in vocabs.label_names().items())} | "
          f"params {sum(p.numel() for p in model.parameters()):,} | {num_threads} CPU thread(s)")
    _open_writer(t, resume, coverage)
    return t


def train_epochs(t: Trainer) -> int | None:
    """The loop. Returns the signal number if SIGINT/SIGTERM stopped it (last.pt saved), else None."""
    done = finished(t.progress, t.cfg.train)
    with distributed.stop_on_signal() as stop:
        while not done:
            stats = _train_one_epoch(t, stop)
            if stop.requested:
                t.save_last()
                return stop.signum
            with clock(t.progress, "eval_seconds"):
                score = evaluate_dev(t, stats)
            improved = record_dev_score(t.progress, score, t.scheduler)  # best, flat epochs, lr decay
            print(f"epoch {t.progress.epoch:2d} | loss {stats['loss']:.4f} | {stats['tokens_per_s']:,.0f} tok/s | "
                  f"dev {t.metric} {score:.4f}{' *' if improved else ''} | {t.progress.seconds:.0f}s")
            ended_early = t.progress.batch < len(t.loaders["train"])  # max_steps reached mid-epoch
            with clock(t.progress, "save_seconds"):
                if improved:
                    t.save_best()
                t.progress.epoch, t.progress.batch = t.progress.epoch + 1, 0
                t.save_last()
            done = ended_early or finished(t.progress, t.cfg.train)
    return None


def evaluate_dev(t: Trainer, stats: dict) -> float:
    """The dev metrics of the current weights, logged with the epoch's training stats; returns the select metric."""
    gold, pred = distributed.gather(*gold_and_predicted(t.model, t.loaders["validation"], t.device))
    label_names = t.vocabs.scored_names()  # the model's labels, then those it never saw (errors)
    dev = metrics.compute(gold, pred, label_names)
    step = t.progress.step  # the x axis is the optimizer step everywhere, so resumed runs line up
    for k, v in [*(("train/" + k, v) for k, v in stats.items()), *(("dev/" + k, v) for k, v in dev.items())]:
        t.writer.add_scalar(k, v, step)
    t.writer.add_scalar("train/lr", t.optimizer.param_groups[0]["lr"], step)
    t.writer.add_scalar("train/epoch", t.progress.epoch, step)
    tensorboard.log_label_scores(t.writer, gold, pred, label_names, step)
    examples = [t.data["validation"][i] for i in range(min(NUM_EXAMPLES, len(t.data["validation"])))]
    tensorboard.log_examples(t.writer, t.model, examples, label_names, step, t.device)
    return dev[t.metric]


def finish(t: Trainer) -> dict:
    """best.pt's dev and test metrics -> metrics.json (rank 0); raises NothingLearned if dev never left 0."""
    distributed.assert_replicas_equal(t.model)  # and a barrier: rank 0 has written best.pt
    best = distributed.broadcast_object(  # rank 0's file: other nodes need not see its disk
        load_checkpoint(t.run_dir / "best.pt") if distributed.is_main() else None)
    t.model.load_state_dict(best["model"])
    results = {"best_epoch": best["progress"]["epoch"]}
    for split in ("validation", "test"):
        results.update(_evaluate_split(t, split))
    results.update(train_seconds=t.progress.seconds, eval_seconds=t.progress.eval_seconds,
                   save_seconds=t.progress.save_seconds, epochs=t.progress.epoch - 1, threads=t.num_threads)
    tensorboard.log_embeddings(t.writer, t.model, t.vocabs.words, t.progress.step)
    tensorboard.log_hparams(t.writer, _flat_config(t.cfg), results)
    t.writer.close()
    if distributed.is_main():
        rundir.write_text(t.run_dir / "metrics.json", json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2), f"\nrun dir: {t.run_dir}")
    print(f"stopped after epoch {t.progress.epoch - 1}: {stop_reason(t.progress, t.cfg.train)}; best.pt is epoch "
          f"{results['best_epoch']} (dev {t.metric} {t.progress.best:.4f})")
    rundir.release(t.run_dir)
    smoke_test = bool(t.cfg.train.max_steps) and t.progress.step >= t.cfg.train.max_steps
    if t.progress.best <= 0 and not smoke_test:
        raise NothingLearned(f"the best dev {t.metric} stayed {t.progress.best:.4f} in {t.progress.epoch - 1} epochs: "
                             f"this run learned nothing to report (rare labels? try more train.epochs or a higher "
                             f"train.lr); {t.run_dir / 'metrics.json'} is written for inspection")
    return results


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _data(cfg: Config, resume: dict | None, run_dir: Path) -> tuple[dict, Vocabs, object]:
    """Datasets and vocabularies (rank 0 fills the datasets cache and downloads, the others then read it), and the
    pretrained vectors' source for a new run that names some (`data.vector_sources`). With model.vectors_vocab,
    the vectors' first words join the vocabulary, frozen (a resumed run takes them from its last.pt)."""
    with distributed.main_first():
        vectors = None if resume or not cfg.model.vectors else \
            open_vectors(cfg.model.vectors, cfg.data.root, cfg.data.download, cfg.model.embed_dim)  # file, name
        dd, vocabs = prepare(cfg.data, chars=cfg.model.char_filters > 0, iob2=cfg.model.crf,
                             frozen_words=_frozen_words(cfg, resume, vectors))
    if resume:
        check_vocabs(run_dir, vocabs, resume)
    return dd, vocabs, vectors


def _frozen_words(cfg: Config, resume: dict | None, vectors) -> list[str]:
    """The vectors' words that join the vocabulary frozen (model.vectors_vocab): its first N, or last.pt's."""
    if resume:
        itos, frozen = resume["words"]["itos"], resume["words"].get("frozen", 0)
        return itos[len(itos) - frozen:] if frozen else []
    return vectors.words(cfg.model.vectors_vocab) if cfg.model.vectors_vocab else []


def _loaders(cfg: Config, dd: dict, device: torch.device) -> dict:
    """This rank's batches of each split: collated per step, or (train.device_data) sliced from the split put on
    the device once; the same batches either way."""
    shard = distributed.shard()

    def make(ds, size: int, shuffle: bool, seed: int):
        if cfg.train.device_data:
            return make_device_loader(ds, size, shuffle, device, seed, **shard)
        return make_loader(ds, size, shuffle, seed, pin_memory=device.type == "cuda",
                           num_workers=cfg.train.num_workers if shuffle else 0, **shard)

    loaders = {"train": make(dd["train"], cfg.train.batch_size, True, cfg.train.seed)}
    loaders.update({s: make(dd[s], EVAL_BATCH_SIZE, False, 0) for s in ("validation", "test")})
    return loaders


def _class_weights(cfg: Config, train, label_names: dict) -> torch.Tensor | None:
    """model.class_weights=balanced: (C,) sentence-label loss weights from the training split's label counts."""
    if cfg.model.class_weights == "none" or "label" not in label_names:
        return None
    weights = balanced_class_weights(torch.tensor(list(train["label_ids"])), len(label_names["label"]))
    print("class weights: " + ", ".join(f"{n} {w:.2f}" for n, w in zip(label_names["label"], weights.tolist())))
    return weights


def _restore(t: Trainer, resume: dict) -> None:
    """Weights, optimizer, lr schedule, progress and this rank's RNG states from last.pt."""
    load_weights(t.model, resume["model"], t.run_dir / "last.pt")
    try:
        t.optimizer.load_state_dict(resume["optimizer"])
    except (ValueError, KeyError) as e:
        raise CheckpointError(f"{t.run_dir / 'last.pt'}: its optimizer state does not fit the model ({e})") from None
    if t.scheduler is not None and resume.get("scheduler"):
        t.scheduler.load_state_dict(resume["scheduler"])
    t.progress = Progress(**resume["progress"])
    set_rng_state(distributed.own_rng_state(resume["rng"]))
    print(f"resuming {t.run_dir} at epoch {t.progress.epoch}, batch {t.progress.batch} (step {t.progress.step})")


def _init_embeddings(t: Trainer, vectors) -> dict | None:
    """A new run's word embeddings from pretrained vectors, if the config names some; returns their coverage."""
    if not vectors:
        return None
    encoder = t.model.encoder
    coverage = load_vectors(vectors, t.vocabs.words, encoder.embedding.weight, encoder.frozen_embedding)
    print(f"vectors {vectors}: {coverage}")
    return coverage


def _open_writer(t: Trainer, resume: dict | None, coverage: dict | None) -> None:
    """Rank 0's TensorBoard writer (a resumed run drops the events logged after its last.pt)."""
    if distributed.is_main():
        t.writer = SummaryWriter(t.run_dir, purge_step=t.progress.step if resume else None)
    t.writer.add_text("data/splits", ", ".join(f"{k} {len(v)}" for k, v in t.data.items()), 0)
    if coverage is not None:
        t.writer.add_text("vectors/coverage", f"{t.cfg.model.vectors}: {coverage}", 0)


def _train_one_epoch(t: Trainer, stop: StopOnSignal) -> dict:
    """`training.loop.train_one_epoch` on this rank, its stats averaged over ranks."""
    try:
        stats = train_one_epoch(t.train_model, t.loaders["train"], t.optimizer, t.cfg.train, t.writer, t.progress,
                                t.device, stop)
    except FloatingPointError as e:
        if not (t.run_dir / "last.pt").exists():  # epoch 1 of a new run: nothing saved yet
            raise Diverged(f"{e}. No checkpoint was saved yet: lower train.lr, or check model.vectors") from None
        raise Diverged(f"{e}. The last good checkpoints stay: {t.run_dir / 'last.pt'} (start of epoch "
                       f"{t.progress.epoch}) and {t.run_dir / 'best.pt'}.") from None
    return distributed.reduce_stats(stats)


def _evaluate_split(t: Trainer, split: str) -> dict:
    """{"dev/accuracy": ..., ...} for the current weights; report_dev.txt / report_test.txt beside metrics.json."""
    name = "dev" if split == "validation" else split
    gold, pred = distributed.gather(*gold_and_predicted(t.model, t.loaders[split], t.device))
    if distributed.is_main():
        rundir.write_text(t.run_dir / f"report_{name}.txt", metrics.report(gold, pred, t.vocabs.scored_names()))
    return {f"{name}/{k}": v for k, v in metrics.compute(gold, pred, t.vocabs.scored_names()).items()}


def _flat_config(cfg: Config) -> dict:
    """{"model.hidden_size": 256, ...} for the HParams tab."""
    return {f"{section}.{k}": v for section, values in to_dict(cfg).items() for k, v in values.items()}
