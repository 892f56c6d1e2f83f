"""train.device_data: batches sliced from a split put on the device once are make_loader's, tensor for tensor
(tests/test_train.py trains a run both ways: the same weights, bit for bit)."""
from dataclasses import fields
from functools import partial

import pytest
import torch

from errors import ConfigError
from data.batching import Batch, make_loader
from data.datasets import prepare
from data.device_loader import make_device_loader
from tests.fixtures import TINY, fixture_data
from training.config import load_config

CHARS = pytest.mark.part("char_cnn")
SPLITS = [pytest.param("pos", True, marks=CHARS, id="pos"),          # tags + chars
          pytest.param("slots", True, marks=CHARS, id="slots"),      # joint: a label and tags per sentence
          pytest.param("questions", False, id="questions")]          # a label, no chars


def same_batch(a: Batch, b: Batch) -> bool:
    for f in fields(Batch):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if (x is None) != (y is None) or (x is not None and not (x.dtype == y.dtype and torch.equal(x, y))):
            return False
    return a.lengths.device.type == "cpu"


@pytest.mark.parametrize("layout,chars", SPLITS)
@pytest.mark.parametrize("shuffle,replicas,rank", [(True, 1, 0), (False, 1, 0), *(
    pytest.param(shuffle, 2, 1, marks=pytest.mark.part("torchrun")) for shuffle in (True, False))])
def test_the_same_batches_in_the_same_order(layout, chars, shuffle, replicas, rank):
    dd, _ = prepare(load_config(TINY, fixture_data(layout)).data, chars=chars)
    ds = dd["train"]
    args = dict(seed=3)
    if replicas > 1:  # this process's share under torchrun (training/distributed.py)
        from training.distributed import ShardedBatchSampler
        args["sampler"] = partial(ShardedBatchSampler, num_replicas=replicas, rank=rank)
    collated, sliced = make_loader(ds, 16, shuffle, **args), make_device_loader(ds, 16, shuffle, "cpu", **args)
    assert len(sliced) == len(collated) > 0
    for epoch in (1, 2):
        for loader in (collated, sliced):
            loader.batch_sampler.set_epoch(epoch, start=1)           # a mid-epoch resume skips as well
        pairs = list(zip(collated, sliced, strict=True))
        assert len(pairs) == len(collated) - 1 if shuffle else len(pairs) == len(collated)
        assert all(same_batch(a, b) for a, b in pairs)
    if chars:
        assert any(b.chars.shape[2] < sliced.split.chars.shape[2] for _, b in pairs)  # cut to each batch's words


@pytest.mark.part("device_data")
def test_device_data_takes_no_workers():
    with pytest.raises(ConfigError, match="train.device_data slices batches on the device: it takes no"):
        load_config("configs/tiny.yaml", ["train.device_data=true", "train.num_workers=2"])
