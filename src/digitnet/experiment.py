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
from digitnet.metrics import per_class_recall
from digitnet.nn import build, losses
from digitnet.nn.model import Sequential
from digitnet.progress import Bar
from digitnet.train import EpochRecord, History, TrainingInterrupted, as_inputs, fit, predict


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
    test_recall: np.ndarray | None = None  # (classes,) share of each class's test images named

    @property
    def test_accuracy(self) -> float:
        return self.test_correct / self.test_total


def history_path(model_path: Path) -> Path:
    """``models/m.safetensors`` -> ``models/m.history.json``."""
    return model_path.with_name(model_path.name.removesuffix(".safetensors") + ".history.json")


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON to ``path`` through a temporary file and a rename."""
    atomic_write(path, json.dumps(data, indent=1).encode())


@dataclass
class _Prepared:
    """A run's data and its untrained model, as :func:`run` and :func:`run_together` start."""

    model: Sequential
    train: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray] | None
    test: tuple[np.ndarray, np.ndarray]
    rng: np.random.Generator


def prepare(
    spec: ModelSpec, config: TrainConfig, data_dir: str | Path | None, limit: int | None
) -> _Prepared:
    """Check the settings, load the splits (expanded if asked) and build the model."""
    spec.validate()
    config.validate()
    data = load_all(config.dataset, data_dir)
    (xtr, ytr), validation, test = data["train"], data["validation"], data["test"]
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
    rng = np.random.default_rng(config.seed)
    model = build(spec, rng, np.dtype(config.dtype))
    return _Prepared(model, (xtr, ytr), validation, test, rng)


def _result(
    model: Sequential,
    history: History,
    ready: _Prepared,
    seconds: float,
    spec: ModelSpec,
    device: str | None = None,
) -> Result:
    """Measure the trained model on the test (and validation) data: with PyTorch on
    ``device`` when given (a large CNN takes minutes on a CPU), else with the engine."""

    def predicted(x: np.ndarray) -> np.ndarray:
        if device is None:
            return predict(model, x)
        from digitnet import torch_backend

        scores = torch_backend.predict_proba(model, spec, as_inputs(x, model.dtype), device)
        return scores.argmax(axis=1)

    x_test, y_test = ready.test
    guesses = predicted(x_test)
    correct = int((guesses == y_test).sum())
    recall = per_class_recall(guesses, y_test, spec.sizes[-1])
    val_correct = None
    if ready.validation is not None:
        val_correct = int((predicted(ready.validation[0]) == ready.validation[1]).sum())
    return Result(
        model, history, correct, len(y_test), seconds, len(ready.train[1]), val_correct, recall
    )


def run(
    spec: ModelSpec,
    config: TrainConfig,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    progress: bool | None = None,
    engine: str = "numpy",
    device: str = "auto",
    state_file: Path | None = None,
) -> Result:
    """Train ``spec`` as ``config`` says, with the NumPy engine or PyTorch (on ``device``);
    returns the trained model (an engine model either way) and its record. The NumPy
    engine saves the run to ``state_file`` after each epoch and goes on from it if it is
    there (:mod:`digitnet.run_state`); PyTorch runs start afresh."""
    ready = prepare(spec, config, data_dir, limit)
    model, (xtr, ytr) = ready.model, ready.train
    start = time.perf_counter()
    if engine == "torch":
        history, model = fit_with_torch(
            spec, model, xtr, ytr, config, ready.validation, on_epoch, device, progress
        )
    else:
        cost = losses.get(spec.cost)
        rng, val = ready.rng, ready.validation
        history = fit(
            *(model, cost, xtr, ytr, config, rng, val, on_epoch, progress),
            state_file=state_file,
            state_spec=spec.to_dict(),
        )
    seconds = time.perf_counter() - start
    if history.resumed_at:  # and the training time of the epochs before, in earlier runs
        seconds += sum(e.seconds for e in history.epochs[: history.resumed_at])
    return _result(model, history, ready, seconds, spec, device if engine == "torch" else None)


def run_together(
    jobs: list[tuple[ModelSpec, TrainConfig]],
    data_dir: str | Path | None = None,
    limit: int | None = None,
    device: str = "auto",
    on_epoch: Callable[[int, EpochRecord], None] | None = None,
    progress: bool | None = None,
) -> list[Result]:
    """Train several runs with the PyTorch engine at once, taking turns step by step (on a
    GPU their steps overlap: :func:`digitnet.torch_train.train_together`). Each run is what
    :func:`run` with ``engine="torch"`` would do; ``seconds`` is the time they took together.
    ``on_epoch(k, record)`` hears of each epoch of run k; ``progress``: a bar of the epochs
    done by all runs (None: when stderr is a terminal)."""
    from digitnet import torch_backend
    from digitnet.torch_train import train_together, training

    on = torch_backend.device(device)
    prepared = [prepare(spec, config, data_dir, limit) for spec, config in jobs]
    modules = [
        torch_backend.to_torch(ready.model, spec)  # the engine's initial weights, as run()
        for ready, (spec, _) in zip(prepared, jobs, strict=True)
    ]
    total = sum(config.epochs for _, config in jobs)
    bar = Bar(f"Training {len(jobs)} on {on.type}", total, " epochs", progress)
    heard = _counted(bar, on_epoch)
    runs = [
        training(spec, module, *ready.train, config, ready.validation, device=on, on_epoch=hook)
        for ready, module, (spec, config), hook in zip(
            prepared, modules, jobs, _epoch_hooks(heard, len(jobs)), strict=True
        )
    ]
    start = time.perf_counter()
    try:
        histories = train_together(runs, on)
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    trained = [
        torch_backend.from_torch(module, spec, ready.model.dtype)
        for ready, module, (spec, _) in zip(prepared, modules, jobs, strict=True)
    ]
    return [
        _result(model, history, ready, seconds, spec, device)
        for model, history, ready, (spec, _) in zip(trained, histories, prepared, jobs, strict=True)
    ]


def _counted(bar: Bar, on_epoch: Callable | None) -> Callable:
    """An epoch callback that passes its arguments on to ``on_epoch`` (if any) and moves
    ``bar`` on by one epoch, drawn again below what ``on_epoch`` prints."""
    done = [0]

    def heard(*args) -> None:
        done[0] += 1
        if on_epoch is not None:
            bar.close()
            on_epoch(*args)
        bar.update(done[0])

    return heard


def _epoch_hooks(on_epoch, count: int) -> list:
    """One callback a run, telling ``on_epoch`` which run it came from."""
    if on_epoch is None:
        return [None] * count
    return [lambda record, k=k: on_epoch(k, record) for k in range(count)]


def fit_with_torch(
    spec, model, x, labels, config, validation, on_epoch, device_name, progress=None
):
    """Train a copy of ``model`` in PyTorch; returns (history, the trained engine model).
    ``progress``: a bar of the epochs done (None: when stderr is a terminal)."""
    from digitnet import torch_backend
    from digitnet.torch_train import fit_torch

    module = torch_backend.to_torch(model, spec)  # the same initial weights as the engine's
    on = torch_backend.device(device_name)
    bar = Bar(f"Training on {on.type}", config.epochs, " epochs", progress)
    try:
        history = fit_torch(
            spec, module, x, labels, config, validation, _counted(bar, on_epoch), on
        )
    except TrainingInterrupted as stop:
        stop.model = torch_backend.from_torch(stop.model, spec, model.dtype)
        raise
    finally:
        bar.close()
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


def load_run(
    path: Path,
    spec: ModelSpec,
    config: TrainConfig,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    engine: str = "numpy",
    device: str = "auto",
) -> Result:
    """The run :func:`save` wrote to ``path``, measured again on this machine's data, as if
    :func:`run` had just trained it; refuses a file trained with other settings."""
    saved = checkpoint.load(path)
    training = saved.training
    same = _plain(saved.spec.to_dict()) == _plain(spec.to_dict())
    same = same and training.get("config") == _plain(config.to_dict())
    if not same or "history" not in training:
        raise DigitnetError(f"{path}: was not trained with this run's settings; move it away")
    ready = prepare(spec, config, data_dir, limit)
    if training.get("train_size") != len(ready.train[1]):
        raise DigitnetError(
            f"{path}: was trained on other data ({training.get('train_size')} images)"
        )
    history = History.from_dict(training["history"])
    seconds = float(training.get("seconds", 0.0))
    return _result(
        saved.model, history, ready, seconds, spec, device if engine == "torch" else None
    )


def _plain(d: dict) -> dict:
    """``d`` as JSON gives it back (tuples become lists), to compare with saved settings."""
    return json.loads(json.dumps(d))
