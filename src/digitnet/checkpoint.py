"""Model files: safetensors weights, with the spec and the run's settings as JSON metadata.

A model file is a standard safetensors file (readable by any safetensors library) whose
metadata holds ``format = "digitnet"``, ``spec`` (the ModelSpec), ``training`` (the
TrainConfig and history), ``dataset`` and ``digitnet_version``. It never contains
pickle. Saving writes a temporary file, fsyncs it and renames it over the target, so a
crash never leaves half a model. Loading checks the header size against the file, then
every tensor's name, shape, dtype and values against the spec, and refuses anything else.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from digitnet import __version__
from digitnet.config import ModelSpec
from digitnet.errors import DigitnetError
from digitnet.fileio import atomic_write
from digitnet.nn.model import Sequential, build

FORMAT = "digitnet"
FORMAT_VERSION = "1"
MAX_FILE_BYTES = 1 << 30
MAX_HEADER_BYTES = 1 << 20
DTYPES = {"F32": np.float32, "F64": np.float64}


@dataclass
class Checkpoint:
    """A loaded model file: the model, its spec and what is known of its training."""

    model: Sequential
    spec: ModelSpec
    training: dict[str, Any] = field(default_factory=dict)
    dataset: str = "mnist"
    version: str = ""


def save(
    path: str | Path,
    model: Sequential,
    spec: ModelSpec,
    training: dict[str, Any] | None = None,
    dataset: str = "mnist",
) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path."""
    from safetensors.numpy import save as st_save

    path = Path(path)
    tensors = {name: np.ascontiguousarray(p) for name, p in model.parameters().items()}
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spec": spec.to_json(),
        "training": json.dumps(training or {}, sort_keys=True),
        "dataset": dataset,
        "digitnet_version": __version__,
    }
    return atomic_write(path, st_save(tensors, metadata=metadata))


def read_header(blob: bytes, name: str, what: str = "a digitnet model") -> dict[str, Any]:
    """The JSON header of safetensors bytes, its length checked against the data first;
    ``what`` names the kind of file expected in the message when it is not one."""
    if len(blob) < 8:
        raise DigitnetError(f"{name}: not {what} (too short)")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(blob):
        raise DigitnetError(f"{name}: not {what} (bad header length)")
    try:
        header = json.loads(blob[8 : 8 + n])
    except (UnicodeDecodeError, ValueError):
        raise DigitnetError(f"{name}: not {what} (header is not JSON)") from None
    if not isinstance(header, dict):
        raise DigitnetError(f"{name}: not {what} (bad header)")
    return header


def load(path: str | Path) -> Checkpoint:
    """Load and check a model file; raises DigitnetError for anything that is not ours."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DigitnetError(f"{name}: too large for a model file ({size} bytes)")
        blob = path.read_bytes()
    except FileNotFoundError:
        raise DigitnetError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise DigitnetError(f"{name}: is a directory, not a model file") from None
    except OSError as e:
        raise DigitnetError(f"{name}: cannot read ({e.strerror or e})") from None

    meta = read_header(blob, name).get("__metadata__") or {}
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DigitnetError(f"{name}: not a digitnet model (no digitnet metadata)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise DigitnetError(f"{name}: model format {meta.get('format_version')!r} not supported")
    try:
        spec = ModelSpec.from_dict(json.loads(meta["spec"]))
        training = json.loads(meta.get("training", "{}"))
    except (KeyError, TypeError, ValueError) as e:
        raise DigitnetError(f"{name}: bad model metadata ({e})") from None
    try:
        tensors = st_load(blob)
    except (SafetensorError, ValueError) as e:
        raise DigitnetError(f"{name}: corrupt model file ({e})") from None

    dtypes = {t.dtype for t in tensors.values()}
    if len(dtypes) != 1 or next(iter(dtypes)) not in (np.float32, np.float64):
        raise DigitnetError(f"{name}: weights must all be float32 or all float64")
    model = build(spec, np.random.default_rng(0), next(iter(dtypes)))
    expected = model.parameters()
    if set(tensors) != set(expected):
        raise DigitnetError(
            f"{name}: tensors {sorted(tensors)} do not match the spec's {sorted(expected)}"
        )
    for key, p in expected.items():
        t = tensors[key]
        if t.shape != p.shape:
            raise DigitnetError(f"{name}: tensor {key} has shape {t.shape}, expected {p.shape}")
        if not np.all(np.isfinite(t)):
            raise DigitnetError(f"{name}: tensor {key} has NaN or infinite values")
    model.load_parameters(tensors)
    return Checkpoint(
        model,
        spec,
        training,
        str(meta.get("dataset", "mnist")),
        str(meta.get("digitnet_version", "")),
    )
