"""Several trained networks read as one: the mean of their outputs.

Networks trained from different seeds make different mistakes on the hard cases, so the
mean of their class probabilities is right more often than any one of them (the book's
chapter 6 does the same with a vote of five networks).

Convolutional networks whose first layers take the same patches (same kernel size and
padding) share them: the patch matrix is built once and multiplied by all the first
layers' kernels side by side, then each network goes on from its own channels. Where
every network pools its first layer's output the same way, the pooling is done once for
all their channels too. The shared path reads a few inputs at a time (SHARED_CHUNK): the
first layer's output of a few dozen crops (24×24 positions × all the kernels) no longer
fits in the processor's cache, and each step after it would read it back from memory.

A ``screen`` reads in two stages (a cascade): the first network reads every input, and
the others only those that the screen, shown the first network's outputs, asks them to
read; the rest keep the first network's outputs. Reading a line, about half the pieces cut
out are surely no digit to every network, and asking one of them is enough.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from digitnet.nn.activations import ReLU
from digitnet.nn.conv import Conv2D, MaxPool2D
from digitnet.nn.model import Sequential
from digitnet.threads import blas_threads, threads_for

SHARED_CHUNK = 12  # inputs read at once on the shared path (BENCHMARKS.md, the reader's speed)

Screen = Callable[[np.ndarray], np.ndarray]  # first outputs (N, n_out) -> ask the rest (N,) bool


class Ensemble:
    """Networks with the same inputs (N, n_in) and outputs (N, n_out), read together."""

    def __init__(self, models: Sequence[Sequential], screen: Screen | None = None) -> None:
        if not models:
            raise ValueError("an ensemble needs at least one network")
        if len({m.n_out for m in models}) > 1:
            raise ValueError("the networks of an ensemble must have the same outputs")
        self.models = list(models)
        self.n_out = self.models[0].n_out
        self.dtype = self.models[0].dtype
        self.screen = screen
        self.stages = (  # the first network, then the others (each stage shares its patches)
            (Ensemble(self.models[:1]), Ensemble(self.models[1:]))
            if screen is not None and len(self.models) > 1
            else None
        )

    def predict_proba(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The mean of the networks' outputs: (N, n_out) float64 (on every core where the
        work is large enough to gain from them). With a ``screen``, the inputs it passes
        over are read by the first network alone (see the module's docstring)."""
        if self.stages is not None:
            one, others = self.stages
            first = one.predict_proba(x, batch_size)
            ask = np.asarray(self.screen(first), bool)
            out = first.copy()
            if ask.any():
                rest = others.predict_proba(x[ask], batch_size)
                out[ask] = (out[ask] + len(others.models) * rest) / len(self.models)
            return out
        first = self.shared_first_layer()
        if first is None:
            out = [np.asarray(m.predict_proba(x, batch_size), np.float64) for m in self.models]
            return np.mean(out, axis=0)
        step = min(batch_size, SHARED_CHUNK)
        work = step * sum(m.multiply_adds() for m in self.models)
        with blas_threads(threads_for(work)):
            parts = [self.infer_shared(first, x[i : i + step]) for i in range(0, len(x), step)]
        return np.concatenate(parts) if parts else np.empty((0, self.n_out))

    def shared_first_layer(self) -> Conv2D | None:
        """One Conv2D doing every network's first layer (their kernels side by side), or
        None unless all are Conv2D layers on the same inputs with the same patches (one
        network alone takes this path too: it reads a few inputs at a time)."""
        models = self.models
        layers = [m.layers[0] if m.layers else None for m in models]
        if not all(isinstance(layer, Conv2D) for layer in layers):
            return None
        same = {
            (m.input_shape, m.dtype, layer.weight.shape[1:], layer.padding)
            for m, layer in zip(models, layers, strict=True)
        }
        if len(same) > 1:
            return None
        weight = np.concatenate([layer.weight for layer in layers])
        return Conv2D(weight, np.concatenate([layer.bias for layer in layers]), layers[0].padding)

    def infer_shared(self, first: Conv2D, x: np.ndarray) -> np.ndarray:
        """The mean output (N, n_out) float64 for x (N, n_in), the first layer shared."""
        z = first.forward(self.models[0].inputs(x))  # (N, ΣF, H', W')
        after = 1
        pool = self.shared_pool()
        if pool is not None:  # max-pool, then ReLU: the two commute, and a quarter is left
            z, after = np.maximum(pool.forward(z), 0), 3
        total, start = np.zeros((len(x), self.n_out)), 0
        for m in self.models:
            filters = len(m.layers[0].weight)
            total += m.infer_from(z[:, start : start + filters], after)
            start += filters
        return total / len(self.models)

    def shared_pool(self) -> MaxPool2D | None:
        """The max-pool every network applies after its first layer's ReLU (layers 1 and
        2), or None unless all do it alike."""
        after = [m.layers[1:3] for m in self.models]
        if not all(
            len(pair) == 2 and isinstance(pair[0], ReLU) and isinstance(pair[1], MaxPool2D)
            for pair in after
        ):
            return None
        sizes = {pair[1].size for pair in after}
        return MaxPool2D(sizes.pop()) if len(sizes) == 1 else None

    def predict(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The class with the highest mean output for each input: (N,) int64."""
        return self.predict_proba(x, batch_size).argmax(axis=1)
