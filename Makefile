# The two commands: `make run` (train the book's network, save it, read a sample) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/mnist-784-30-10.safetensors

.PHONY: run test serve torch extras format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/digitnet train --out $(MODEL) --force
	$(BIN)/digitnet predict $(MODEL) examples/digit-7.png

test: $(VENV)/.installed-dev
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -q

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# The web page (draw, read, look inside, train) on http://127.0.0.1:8000/
serve: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[web]'
	$(BIN)/digitnet serve

# PyTorch, pinned (an unpinned torch pulls a multi-GB CUDA build): the torch backend's
# tests run when it is installed and skip when it is not.
torch: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet torch==2.13.0

# Every optional part: PyTorch (pinned, CPU) and ONNX export with onnxruntime to check it.
extras: torch
	$(BIN)/pip install --quiet -e '.[onnx]'

# Benchmarks compare against PyTorch in the same run.
bench: torch
	$(BIN)/python bench/bench_train.py

clean:
	rm -rf $(VENV) models .pytest_cache .ruff_cache
