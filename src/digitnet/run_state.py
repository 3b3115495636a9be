"""A training run saved at the end of an epoch, so that a stopped run goes on where it stopped.

:func:`digitnet.train.fit` writes the file after every epoch when given one, and reads it
back when it starts and the file is there. It holds all that the next epoch depends on:

- the parameters, and those of the epoch the model will end with (the best so far);
- the optimiser's own arrays (momentum's velocity, Adam's running means) and numbers;
- the random generator's state: it shuffles, augments and draws dropout masks, so the
  resumed run draws what the whole run would have drawn;
- the schedule's state, the history so far and the epochs without improvement.

So a run stopped after any epoch and resumed ends with the same weights, to the bit, as
one that never stopped (``tests/test_run_state.py``). The file is safetensors (never
pickle), written through a temporary file and a rename; it names the settings and the
training-set size it belongs to (and the model spec, when the caller gives one), and a
run with others refuses it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digitnet.checkpoint import MAX_FILE_BYTES, read_header
from digitnet.config import TrainConfig
from digitnet.errors import DigitnetError
from digitnet.fileio import atomic_write
from digitnet.nn.model import Sequential
from digitnet.nn.optim import Optimizer, Schedule

FORMAT = "digitnet-run-state"


@dataclass
class Resumed:
    """Where a saved run stands: the next epoch, the kept (epoch, parameters), the
    history so far and how many epochs have passed without a better validation score."""

    next_epoch: int
    kept: tuple[int, dict[str, np.ndarray]]
    history: dict[str, Any]
    waited: int


def _settings(config: TrainConfig, n_train: int) -> str:
    return json.dumps({"config": config.to_dict(), "n_train": n_train}, sort_keys=True)


def save(
    path: Path,
    epoch: int,
    model: Sequential,
    kept: tuple[int, dict[str, np.ndarray]],
    optimizer: Optimizer,
    schedule: Schedule,
    rng: np.random.Generator,
    history: dict[str, Any],
    waited: int,
    config: TrainConfig,
    n_train: int,
    spec: dict[str, Any] | None = None,
) -> None:
    """Write the run as it stands after ``epoch`` to ``path`` (atomically); ``spec`` (the
    model spec as a dict), when given, is written too and checked when it is read back."""
    from safetensors.numpy import save as st_save

    arrays, numbers = optimizer.state()
    tensors = {f"model.{k}": p for k, p in model.parameters().items()}
    tensors.update({f"kept.{k}": p for k, p in kept[1].items()})
    tensors.update({f"optimizer.{k}": a for k, a in arrays.items()})
    state = {
        "epoch": epoch,
        "kept_epoch": kept[0],
        "optimizer": numbers,
        "schedule": schedule.state(),
        "rng": rng.bit_generator.state,
        "history": history,
        "waited": waited,
    }
    metadata = {
        "format": FORMAT,
        "settings": _settings(config, n_train),
        "state": json.dumps(state),
    }
    if spec is not None:
        metadata["spec"] = json.dumps(spec, sort_keys=True)
    tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    atomic_write(path, st_save(tensors, metadata=metadata))


def load(
    path: Path,
    model: Sequential,
    optimizer: Optimizer,
    schedule: Schedule,
    rng: np.random.Generator,
    config: TrainConfig,
    n_train: int,
    spec: dict[str, Any] | None = None,
) -> Resumed:
    """Put the run saved in ``path`` back into ``model``, ``optimizer``, ``schedule`` and
    ``rng`` (in place); refuses a file of other settings or another network (``spec``,
    when both the caller and the file name one; files saved without it hold shapes only)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    name = str(path)
    blob, meta = _read(path)
    if meta.get("settings") != _settings(config, n_train):
        raise DigitnetError(f"{name}: a run with other settings saved it; move it away")
    if spec is not None and meta.get("spec", None) not in (None, json.dumps(spec, sort_keys=True)):
        raise DigitnetError(f"{name}: a run of another network saved it; move it away")
    try:
        tensors = st_load(blob)
        state = json.loads(meta["state"])
        params = _matching(_group(tensors, "model."), model)
        kept = (int(state["kept_epoch"]), _matching(_group(tensors, "kept."), model))
        arrays = _group(tensors, "optimizer.")
        optimizer.restore(arrays, state["optimizer"])
        schedule.restore(state["schedule"])
        rng.bit_generator.state = state["rng"]
        model.load_parameters(params)
        return Resumed(int(state["epoch"]) + 1, kept, state["history"], int(state["waited"]))
    except DigitnetError as e:
        raise DigitnetError(f"{name}: {e}") from None
    except (SafetensorError, KeyError, TypeError, ValueError) as e:
        raise DigitnetError(f"{name}: a damaged saved run ({e})") from None


def epochs_done(path: Path) -> int:
    """How many epochs the run saved in ``path`` has trained (from its header)."""
    _, meta = _read(path)
    try:
        return int(json.loads(meta["state"])["epoch"]) + 1
    except (KeyError, TypeError, ValueError) as e:
        raise DigitnetError(f"{path}: a damaged saved run ({e})") from None


def _read(path: Path) -> tuple[bytes, dict[str, str]]:
    """The bytes of a saved run and its metadata, checked to be one."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DigitnetError(f"{name}: too large for a saved run")
        blob = path.read_bytes()
    except OSError as e:
        raise DigitnetError(f"{name}: cannot read ({e.strerror or e})") from None
    meta = read_header(blob, name, "a saved digitnet run").get("__metadata__") or {}
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DigitnetError(f"{name}: not a saved digitnet run")
    return blob, meta


def _group(tensors: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The tensors whose names start with ``prefix``, by the rest of their names."""
    return {k.removeprefix(prefix): a for k, a in tensors.items() if k.startswith(prefix)}


def _matching(group: dict[str, np.ndarray], model: Sequential) -> dict[str, np.ndarray]:
    """``group``, checked to hold exactly the model's parameters (names, shapes, dtypes)."""
    own = model.parameters()
    if set(group) != set(own) or any(
        group[k].shape != p.shape or group[k].dtype != p.dtype for k, p in own.items()
    ):
        raise DigitnetError("it saved another network, not this one")
    return group
