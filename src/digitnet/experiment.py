"""One training run, from a spec and a config to a saved model: what ``digitnet train``
and ``digitnet reproduce`` both do.

Loads the dataset's three splits (the book's 50,000 / 10,000 / 10,000), optionally the
expanded training set, builds the network from the spec with the run's seed, trains,
measures the test accuracy, and saves the model with its history; the history is also
written beside it as ``NAME.history.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitnet import checkpoint
from digitnet.config import ModelSpec, TrainConfig
from digitnet.data import load_all
from digitnet.data.augment import expand_shifts
from digitnet.errors import DigitnetError
from digitnet.fileio import atomic_write
from digitnet.nn import build, losses
from digitnet.nn.model import Sequential
from digitnet.train import EpochRecord, History, TrainingInterrupted, evaluate, fit


@dataclass
class Result:
    """What a run produced."""

    model: Sequential
    history: History
    test_correct: int
    test_total: int
    seconds: float
    train_size: int
    validation_correct: int | None = None

    @property
    def test_accuracy(self) -> float:
        return self.test_correct / self.test_total


def history_path(model_path: Path) -> Path:
    """``models/m.safetensors`` -> ``models/m.history.json``."""
    return model_path.with_name(model_path.name.removesuffix(".safetensors") + ".history.json")


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON to ``path`` through a temporary file and a rename."""
    atomic_write(path, json.dumps(data, indent=1).encode())


def run(
    spec: ModelSpec,
    config: TrainConfig,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    progress: bool | None = None,
    engine: str = "numpy",
    device: str = "auto",
) -> Result:
    """Train ``spec`` as ``config`` says, with the NumPy engine or PyTorch (on ``device``);
    returns the trained model (an engine model either way) and its record."""
    spec.validate()
    config.validate()
    data = load_all(config.dataset, data_dir)
    (xtr, ytr), validation, (xte, yte) = data["train"], data["validation"], data["test"]
    if config.train_split == "train-full":
        xtr = np.concatenate([xtr, validation[0]])
        ytr = np.concatenate([ytr, validation[1]])
        validation = None
    if limit:
        xtr, ytr = xtr[:limit], ytr[:limit]
    if spec.input_size != xtr[0].size or spec.sizes[-1] != 10:
        raise DigitnetError(
            f"the network must take {xtr[0].size} inputs and give 10 outputs, "
            f"not {spec.input_size} and {spec.sizes[-1]}"
        )
    if config.expand:
        xtr, ytr = expand_shifts(xtr, ytr)
    dtype = np.dtype(config.dtype)
    rng = np.random.default_rng(config.seed)
    model = build(spec, rng, dtype)
    cost = losses.get(spec.cost)
    start = time.perf_counter()
    if engine == "torch":
        history, model = fit_with_torch(spec, model, xtr, ytr, config, validation, on_epoch, device)
    else:
        history = fit(model, cost, xtr, ytr, config, rng, validation, on_epoch, progress)
    seconds = time.perf_counter() - start
    correct = evaluate(model, xte, yte)
    val_correct = evaluate(model, *validation) if validation is not None else None
    return Result(model, history, correct, len(yte), seconds, len(xtr), val_correct)


def fit_with_torch(spec, model, x, labels, config, validation, on_epoch, device_name):
    """Train a copy of ``model`` in PyTorch; returns (history, the trained engine model)."""
    from digitnet import torch_backend
    from digitnet.torch_train import fit_torch

    module = torch_backend.to_torch(model, spec)  # the same initial weights as the engine's
    on = torch_backend.device(device_name)
    try:
        history = fit_torch(spec, module, x, labels, config, validation, on_epoch, on)
    except TrainingInterrupted as stop:
        stop.model = torch_backend.from_torch(stop.model, spec, model.dtype)
        raise
    return history, torch_backend.from_torch(module, spec, model.dtype)


def save(path: Path, spec: ModelSpec, config: TrainConfig, result: Result) -> None:
    """Save the model (with its history in the metadata) and the history JSON beside it."""
    training = {
        "config": config.to_dict(),
        "history": result.history.to_dict(),
        "test_accuracy": result.test_accuracy,
        "train_size": result.train_size,
        "seconds": round(result.seconds, 3),
    }
    checkpoint.save(path, result.model, spec, training, config.dataset)
    write_json_atomic(history_path(path), training)
