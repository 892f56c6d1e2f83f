# The two commands of the README: `make train` and `make test`. Both set up .venv first (once).
VENV   := .venv
PY     := $(VENV)/bin/python
CONFIG ?= configs/trec.yaml

.PHONY: setup train test
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0   # first and pinned: the CPU build, not a multi-GB CUDA one
	$(PY) -m pip install -q -r requirements.txt
	touch $@

train: setup
	$(PY) train.py $(CONFIG) $(ARGS)

test: setup
	$(PY) -m pytest -q
