"""The same networks in PyTorch: any ModelSpec as a ``torch.nn.Module``, weights both ways.

``build(spec)`` mirrors :func:`digitnet.nn.build` layer for layer, so parameter names
agree: the engine's ``"0.weight"`` is the module's ``"net.0.weight"``, with the same
layout (Linear and Conv2d keep (out, in[, kh, kw]) as the engine does). A model trained
in either engine loads into the other and gives the same outputs. torch is imported
only here; without it, a clear message names the extra to install.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from digitnet.config import ModelSpec
from digitnet.errors import DigitnetError

if TYPE_CHECKING:  # pragma: no cover
    import torch

PREFIX = "net."


def require_torch():
    """The torch module, or a one-line error saying how to install it."""
    try:
        import torch
    except ImportError:
        raise DigitnetError(
            "the PyTorch engine needs torch: pip install 'digitnet[torch]' "
            "(for a CPU-only build: pip install torch==2.13.0)"
        ) from None
    return torch


def device(name: str = "auto") -> torch.device:
    """auto (a GPU when present: cuda, then mps, else cpu), cpu, cuda or mps."""
    torch = require_torch()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        return torch.device("mps" if mps is not None and mps.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DigitnetError("--device cuda: no CUDA GPU is available here")
    if name == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise DigitnetError("--device mps: no Apple GPU is available here")
    if name not in ("cpu", "cuda", "mps"):
        raise DigitnetError(f"unknown device {name!r} (auto, cpu, cuda, mps)")
    return torch.device(name)


@functools.cache
def classes():
    """The torch module classes (defined on first use, since they need torch)."""
    torch = require_torch()
    nn = torch.nn

    class DigitnetModule(nn.Module):
        """``net`` (an nn.Sequential), with flat inputs reshaped for convolutional specs."""

        def __init__(self, net, input_shape):
            super().__init__()
            self.net = net
            self.input_shape = tuple(input_shape) if input_shape else None

        def forward(self, x, stop: int | None = None):
            if self.input_shape and x.dim() == 2:
                x = x.reshape(len(x), *self.input_shape)
            for layer in list(self.net)[:stop]:
                x = layer(x)
            return x

    class Maxout(nn.Module):
        """Maxout: a linear map to units·pieces, then the max of each unit's pieces."""

        def __init__(self, n_in, units, pieces):
            super().__init__()
            self.units, self.pieces = units, pieces
            self.weight = nn.Parameter(torch.empty(units * pieces, n_in))
            self.bias = nn.Parameter(torch.zeros(units * pieces))
            nn.init.xavier_uniform_(self.weight)

        def forward(self, x):
            z = nn.functional.linear(x, self.weight, self.bias)
            return z.reshape(len(x), self.units, self.pieces).amax(dim=2)

    return DigitnetModule, Maxout


def torch_dtype(dtype: np.dtype | str):
    torch = require_torch()
    return torch.float64 if np.dtype(dtype) == np.float64 else torch.float32


def build(spec: ModelSpec, dtype: np.dtype | str = np.float32):
    """A torch.nn.Module for ``spec``, layer for layer as the engine builds it (weights as
    torch initialises them)."""
    from digitnet.nn import build as engine_build

    torch = require_torch()
    module_class, _ = classes()
    engine = engine_build(spec, np.random.default_rng(0), dtype)  # the layers' kinds and shapes
    net = torch.nn.Sequential(*(module_for(layer) for layer in engine.layers))
    return module_class(net, spec.input_shape).to(torch_dtype(dtype))


def module_for(layer):
    """The torch module doing what the engine's ``layer`` does."""
    from digitnet.nn import activations as act
    from digitnet.nn.conv import Conv2D, Flatten, MaxPool2D
    from digitnet.nn.layers import Dense, Dropout, Maxout

    nn = require_torch().nn
    if isinstance(layer, Maxout):
        return classes()[1](layer.n_in, layer.n_out, layer.pieces)
    if isinstance(layer, Dense):
        return nn.Linear(layer.n_in, layer.n_out)
    if isinstance(layer, Conv2D):
        f, c, kh, kw = layer.weight.shape
        return nn.Conv2d(c, f, (kh, kw), padding=layer.pad)
    simple = {
        MaxPool2D: lambda: nn.MaxPool2d(layer.size),
        Flatten: nn.Flatten,
        Dropout: lambda: nn.Dropout(layer.rate),
        act.Sigmoid: nn.Sigmoid,
        act.Tanh: nn.Tanh,
        act.ReLU: nn.ReLU,
        act.LeakyReLU: lambda: nn.LeakyReLU(layer.alpha),
        act.ELU: lambda: nn.ELU(layer.alpha),
        act.Softmax: lambda: nn.Softmax(dim=1),
        act.Identity: nn.Identity,
    }
    if type(layer) in simple:
        return simple[type(layer)]()
    raise DigitnetError(f"no PyTorch equivalent for layer {type(layer).__name__}")


def to_torch(model, spec: ModelSpec, on: str | None = None):
    """A torch module with the engine model's weights (same dtype), optionally on a device."""
    torch = require_torch()
    module = build(spec, model.dtype)
    state = {
        PREFIX + k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in model.parameters().items()
    }
    mismatch = set(module.state_dict()) ^ set(state)
    if mismatch:
        raise DigitnetError(f"weights do not match the PyTorch module: {sorted(mismatch)}")
    module.load_state_dict(state)
    return module.to(device(on)) if on else module


def from_torch(module, spec: ModelSpec, dtype: np.dtype | str = np.float32):
    """An engine model with the torch module's weights."""
    from digitnet.nn import build as engine_build

    model = engine_build(spec, np.random.default_rng(0), dtype)
    state = {
        k.removeprefix(PREFIX): v.detach().cpu().numpy() for k, v in module.state_dict().items()
    }
    if set(state) != set(model.parameters()):
        raise DigitnetError("the PyTorch module's weights do not match the spec")
    model.load_parameters(state)
    return model


def predict_proba(
    model, spec: ModelSpec, x: np.ndarray, device_name: str = "auto", batch_size: int = 4096
) -> np.ndarray:
    """Output activations (N, classes) of an engine model run in PyTorch; x (N, inputs)."""
    torch = require_torch()
    on = device(device_name)
    module = to_torch(model, spec, on=device_name).eval()
    outputs = []
    with torch.no_grad():
        for k in range(0, len(x), batch_size):
            xb = torch.from_numpy(np.ascontiguousarray(x[k : k + batch_size])).to(on)
            outputs.append(module(xb.to(torch_dtype(model.dtype))).cpu().numpy())
    return np.concatenate(outputs) if outputs else np.empty((0, model.n_out), model.dtype)
