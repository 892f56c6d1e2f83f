"""A real TensorBoard server, on 127.0.0.1, serves what a tiny training wrote: dev scalars and HParams."""
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import train
from tests.fixtures import TINY, fixture_data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, body: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    run = tmp_path_factory.mktemp("tb") / "run"
    results = train.main([TINY, *fixture_data("questions"), "train.epochs=3",
                          "--run-dir", str(run)])
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(run),
                               "--host", "127.0.0.1", "--port", str(port), "--reload_interval", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:  # until the server is up and has read the run's events
            assert server.poll() is None, server.stderr.read().decode()
            try:
                if "dev/accuracy" in get(f"{base}/data/plugin/scalars/tags").get(".", {}):
                    break
            except OSError:
                pass
            assert time.time() < deadline, "tensorboard did not serve the run within 60 s"
            time.sleep(0.5)
        yield base, results
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.part("classification")
def test_scalars_are_served(served):
    base, results = served
    tags = get(f"{base}/data/plugin/scalars/tags")["."]
    assert {"train/loss", "train/lr", "train/tokens_per_s", "dev/accuracy", "dev/macro_f1", "dev_f1/DESC"} <= set(tags)
    points = get(f"{base}/data/plugin/scalars/scalars?run=.&tag=dev/accuracy")   # [[wall_time, step, value]]
    assert len(points) == 3
    assert max(p[2] for p in points) == pytest.approx(results["dev/accuracy"], abs=1e-6)


@pytest.mark.part("classification")
def test_hparams_are_served(served):
    base, _ = served
    experiment = get(f"{base}/data/plugin/hparams/experiment", {"experimentName": ""})
    assert {"model.hidden_size", "train.lr", "data.name"} <= {h["name"] for h in experiment["hparamInfos"]}
    metrics = {m["name"]["tag"] for m in experiment["metricInfos"]}
    assert {"hparam/test/accuracy", "hparam/dev/accuracy"} <= metrics
