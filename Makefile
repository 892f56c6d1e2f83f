# The two commands of the README: `make train` and `make test`. Both set up .venv first (once).
# `make train` installs requirements.txt only; `make test` and `make lint` add requirements-dev.txt
# (pytest, ruff, onnx), so a venv made by `make train` gains them on the first `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
CONFIG ?= configs/trec.yaml
# Where torch comes from. Empty here: this machine's pip finds the CPU build on local disk. Elsewhere PyPI's Linux
# torch is the multi-GB CUDA build: `make train TORCH_INDEX=https://download.pytorch.org/whl/cpu` for the CPU one.
TORCH_INDEX ?=

.PHONY: setup setup-dev setup-vectors train test lint
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

train: setup
	$(PY) train.py $(CONFIG) $(ARGS)

test: setup-dev
	$(PY) -m pytest -q

lint: setup-dev
	$(PY) -m ruff check .
