"""Everything before a run's first step (`setup`), into the `Trainer` that `training.trainer.fit` trains with."""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf
from torch.utils.tensorboard import SummaryWriter

from errors import needs_part
from data.batching import EVAL_BATCH_SIZE, make_loader
from data.config import describe, resolve_text, task_of
from data.datasets import prepare
from data.vocab import Vocabs
from models.heads import balanced_class_weights
from models.tasks import build_model
from . import metrics, rundir, threads
from .checkpoint import rng_state, save_checkpoint
from .config import Config
from .device import check_device
from .group import Single, process_group
from .loop import Progress, make_optimizer, make_scheduler

NUM_EXAMPLES = 5  # dev sentences shown with their predictions in TensorBoard


@dataclass
class Trainer:
    """What a run holds while it trains."""
    cfg: Config
    run_dir: Path
    vocabs: Vocabs
    metric: str                # the dev metric that picks best.pt
    model: torch.nn.Module     # the task model (predict and state_dict use it)
    optimizer: torch.optim.Optimizer
    scheduler: object          # ReduceLROnPlateau, or None: no lr decay
    loaders: dict              # "train", "validation", "test" -> this process's batches
    examples: list             # the first NUM_EXAMPLES dev rows
    device: torch.device
    group: Single              # the processes it trains with (training/group.py)
    progress: Progress = field(default_factory=Progress)
    train_model: torch.nn.Module = None  # the model, or DDP around it under torchrun
    writer: SummaryWriter = None         # TensorBoard's (`group.writer`)

    def checkpoint(self, **extra) -> dict:
        """best.pt's content (weights, config, task, vocabularies, progress), plus ``extra`` (last.pt's)."""
        return {"model": self.model.state_dict(), "config": asdict(self.cfg), "task": task_of(self.cfg.data),
                **self.vocabs.to_dict(), "progress": asdict(self.progress), **extra}

    def save_best(self) -> None:
        if self.group.is_main:
            save_checkpoint(self.checkpoint(), self.run_dir / "best.pt")

    def save_last(self) -> None:
        """last.pt: everything an exact resume needs (every process's RNG states, gathered)."""
        rng = self.group.rng_states(rng_state())
        if self.group.is_main:
            scheduler = None if self.scheduler is None else self.scheduler.state_dict()
            save_checkpoint(self.checkpoint(optimizer=self.optimizer.state_dict(), rng=rng, scheduler=scheduler),
                            self.run_dir / "last.pt")


def setup(cfg: Config, run_dir: str | Path, resume: dict | None, overwrite: bool) -> Trainer:
    """Everything before the first step, in an order that matters: threads before any work (they change the
    arithmetic), checks before the data (they write nothing), the seed before the model's weights."""
    num_threads = threads.use(cfg.train.threads)
    group, device = process_group(check_device(cfg.train.device, amp=cfg.train.amp))  # torchrun: cuda:LOCAL_RANK
    cfg.data = resolve_text(cfg.data)  # spelled out: a checkpoint names them
    run_dir = Path(group.broadcast(str(run_dir)))  # rank 0's: a default name holds the start time
    if group.is_main:  # nothing written before these
        rundir.check(run_dir, bool(resume), overwrite)
    if resume:
        from . import resume as resuming  # only a resume reads it
        if group.is_main:
            resuming.check(run_dir, asdict(cfg), resume, group.world_size)
    set_seed(cfg.train.seed + group.rank)  # own dropout per rank; DDP gives every rank rank 0's weights
    dd, vocabs, vectors = _data(cfg, resume, run_dir, group)
    metric = metrics.check_select_metric(cfg.train.select_metric, vocabs.label_names())
    if group.is_main:
        rundir.claim(run_dir, bool(resume), overwrite)
        rundir.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(asdict(cfg)))
    model = build_model(task_of(cfg.data), len(vocabs.words), vocabs.label_names(), cfg.model, vocabs.num_chars,
                        _class_weights(cfg, dd["train"], vocabs.label_names()), vocabs.words.frozen).to(device)
    optimizer = make_optimizer(model, cfg.train)
    dev = dd["validation"]
    t = Trainer(cfg, run_dir, vocabs, metric, model, optimizer, make_scheduler(optimizer, cfg.train),
                _loaders(cfg, dd, device, group), [dev[i] for i in range(min(NUM_EXAMPLES, len(dev)))], device, group)
    if resume:
        resuming.restore(t, resume)
    t.progress.world_size = group.world_size  # a mid-epoch resume needs as many (training/resume.py)
    t.writer = group.writer(run_dir, t.progress.step if resume else None)  # a resume drops events after last.pt's
    t.writer.add_text("data/splits", splits := ", ".join(f"{k} {len(v)}" for k, v in dd.items()), 0)
    if vectors:
        from data.vectors import init_embeddings  # only a run with model.vectors reads them
        init_embeddings(model.encoder, vectors, vocabs.words, t.writer, cfg.model.vectors)
    t.train_model = group.wrap(model, device)  # DDP or the model itself
    print(f"{task_of(cfg.data)} on {describe(cfg.data)}: {splits} | vocab {len(vocabs.words)} | labels "
          f"{', '.join(f'{k} {len(v)}' for k, v in vocabs.label_names().items())} | "
          f"params {sum(p.numel() for p in model.parameters()):,} | {num_threads} CPU thread(s)")
    return t


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _data(cfg: Config, resume: dict | None, run_dir: Path, group: Single) -> tuple[dict, Vocabs, object]:
    """Datasets, vocabularies (with model.vectors_vocab the vectors' first words, frozen) and a new run's pretrained
    vectors; rank 0 fills the datasets cache first. A resumed run's frozen words and vocabularies are last.pt's."""
    vectors, frozen = None, []
    with group.main_first():
        if resume and (n := resume["words"].get("frozen", 0)):
            frozen = resume["words"]["itos"][-n:]
        elif cfg.model.vectors and not resume:
            open_vectors = needs_part("data.vector_sources", f"model.vectors={cfg.model.vectors}").open_vectors
            vectors = open_vectors(cfg.model.vectors, cfg.data.root, cfg.data.download, cfg.model.embed_dim)
            frozen = vectors.words(cfg.model.vectors_vocab) if cfg.model.vectors_vocab else []
        dd, vocabs = prepare(cfg.data, chars=cfg.model.char_filters > 0, frozen_words=frozen, iob2=cfg.model.crf)
    if resume:
        from .resume import check_vocabs
        check_vocabs(run_dir, vocabs, resume)
    return dd, vocabs, vectors


def _loaders(cfg: Config, dd: dict, device: torch.device, group: Single) -> dict:
    """This process's batches of each split: collated per step, or (train.device_data, a part) sliced from the split
    put on the device once; the same batches either way."""
    shard = group.shard()

    def make(ds, size: int, shuffle: bool, seed: int):
        if cfg.train.device_data:
            loader = needs_part("data.device_loader", "train.device_data=true")
            return loader.make_device_loader(ds, size, shuffle, device, seed, **shard)
        return make_loader(ds, size, shuffle, seed, pin_memory=device.type == "cuda",
                           num_workers=cfg.train.num_workers if shuffle else 0, **shard)

    return {"train": make(dd["train"], cfg.train.batch_size, True, cfg.train.seed),
            **{s: make(dd[s], EVAL_BATCH_SIZE, False, 0) for s in ("validation", "test")}}


def _class_weights(cfg: Config, train, label_names: dict) -> torch.Tensor | None:
    """model.class_weights=balanced: (C,) sentence-label loss weights from the training split's label counts."""
    if cfg.model.class_weights == "none" or "label" not in label_names:
        return None
    weights = balanced_class_weights(torch.tensor(list(train["label_ids"])), len(label_names["label"]))
    print("class weights: " + ", ".join(f"{n} {w:.2f}" for n, w in zip(label_names["label"], weights.tolist())))
    return weights

