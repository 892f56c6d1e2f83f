"""Everything before a run's first step (`setup`), into the `Trainer` that `training.trainer.fit` trains with."""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass
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
from .config import Config, to_dict
from .device import check_amp, check_device, resolve_device
from .group import NoWriter, Single, process_group
from .loop import Progress, make_optimizer, make_scheduler


@dataclass
class Trainer:
    """What a run holds while it trains."""
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
    loaders: dict              # "train", "validation", "test" -> this process's batches
    writer: SummaryWriter      # the main process's; the others get one that does nothing
    device: torch.device
    group: Single              # the processes it trains with (training/group.py)
    num_threads: int           # CPU threads used (train.threads resolved)

    def checkpoint(self, **extra) -> dict:
        """best.pt's content (weights, config, task, vocabularies, progress), plus ``extra`` (last.pt's)."""
        return {"model": self.model.state_dict(), "config": to_dict(self.cfg), "task": self.task,
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
    arithmetic), run-dir checks before the data (they write nothing), the seed before the model's weights."""
    num_threads = threads.use(cfg.train.threads)
    check_device(cfg.train.device)
    cfg.data = resolve_text(cfg.data)  # spelled out: a checkpoint names them
    group, device = process_group(resolve_device(cfg.train.device))  # torchrun: cuda:LOCAL_RANK
    check_amp(cfg.train.amp, device)
    run_dir = Path(group.broadcast(str(run_dir)))  # rank 0's: a default name holds the start time
    if group.is_main:  # nothing written before these
        rundir.check(run_dir, bool(resume), overwrite)
        if resume:
            from .resume import check as check_resume  # only a resume reads it
            check_resume(run_dir, to_dict(cfg), resume, group.world_size)
    set_seed(cfg.train.seed + group.rank)  # own dropout per rank; DDP gives every rank rank 0's weights
    dd, vocabs, vectors = _data(cfg, resume, run_dir, group)
    metric = metrics.check_select_metric(cfg.train.select_metric, vocabs.label_names())
    if group.is_main:
        rundir.claim(run_dir, bool(resume), overwrite)
        rundir.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(to_dict(cfg)))
    task = task_of(cfg.data)
    model = build_model(task, len(vocabs.words), vocabs.label_names(), cfg.model, vocabs.num_chars,
                        _class_weights(cfg, dd["train"], vocabs.label_names()), vocabs.words.frozen).to(device)
    optimizer = make_optimizer(model, cfg.train)
    t = Trainer(cfg, run_dir, task, dd, vocabs, metric, model, model, optimizer, make_scheduler(optimizer, cfg.train),
                Progress(), _loaders(cfg, dd, device, group), NoWriter(), device, group, num_threads)
    if resume:
        from .resume import restore
        restore(t, resume)
    coverage = None if resume else _init_embeddings(t, vectors)
    t.progress.world_size = group.world_size  # a mid-epoch resume needs as many (training/resume.py)
    t.train_model = group.wrap(model, device)  # DDP or the model itself
    print(f"{task} on {describe(cfg.data)}: {', '.join(f'{k} {len(v)}' for k, v in dd.items())} | vocab "
          f"{len(vocabs.words)} | labels {', '.join(f'{k} {len(v)}' for k, v in vocabs.label_names().items())} | "
          f"params {sum(p.numel() for p in model.parameters()):,} | {num_threads} CPU thread(s)")
    _open_writer(t, resume, coverage)
    return t


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _data(cfg: Config, resume: dict | None, run_dir: Path, group: Single) -> tuple[dict, Vocabs, object]:
    """Datasets and vocabularies (rank 0 fills the datasets cache and downloads, the others then read it), and the
    pretrained vectors' source for a new run that names some (`data.vector_sources`). With model.vectors_vocab,
    the vectors' first words join the vocabulary, frozen (a resumed run takes them from its last.pt)."""
    with group.main_first():
        vectors = None
        if cfg.model.vectors and not resume:
            from data.vector_sources import open_vectors  # only a run with model.vectors reads them
            vectors = open_vectors(cfg.model.vectors, cfg.data.root, cfg.data.download, cfg.model.embed_dim)
        frozen = _frozen_words(cfg, resume, vectors)
        dd, vocabs = prepare(cfg.data, chars=cfg.model.char_filters > 0, frozen_words=frozen)
    if resume:
        from .resume import check_vocabs
        check_vocabs(run_dir, vocabs, resume)
    return dd, vocabs, vectors


def _frozen_words(cfg: Config, resume: dict | None, vectors) -> list[str]:
    """The vectors' words that join the vocabulary frozen (model.vectors_vocab): its first N, or last.pt's."""
    if resume:
        itos, frozen = resume["words"]["itos"], resume["words"].get("frozen", 0)
        return itos[len(itos) - frozen:] if frozen else []
    return vectors.words(cfg.model.vectors_vocab) if cfg.model.vectors_vocab else []


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


def _init_embeddings(t: Trainer, vectors) -> dict | None:
    """A new run's word embeddings from pretrained vectors, if the config names some; returns their coverage."""
    if not vectors:
        return None
    from data.vectors import load_vectors
    encoder = t.model.encoder
    coverage = load_vectors(vectors, t.vocabs.words, encoder.embedding.weight, encoder.frozen_embedding)
    print(f"vectors {vectors}: {coverage}")
    return coverage


def _open_writer(t: Trainer, resume: dict | None, coverage: dict | None) -> None:
    """The main process's TensorBoard writer (a resumed run drops the events logged after its last.pt)."""
    if t.group.is_main:
        t.writer = SummaryWriter(t.run_dir, purge_step=t.progress.step if resume else None)
    t.writer.add_text("data/splits", ", ".join(f"{k} {len(v)}" for k, v in t.data.items()), 0)
    if coverage is not None:
        t.writer.add_text("vectors/coverage", f"{t.cfg.model.vectors}: {coverage}", 0)
