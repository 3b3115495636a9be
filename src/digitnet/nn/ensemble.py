"""Several trained networks read as one: the mean of their outputs.

Networks trained from different seeds make different mistakes on the hard cases, so the
mean of their class probabilities is right more often than any one of them (the book's
chapter 6 does the same with a vote of five networks).

Convolutional networks whose first layers take the same patches (same kernel size and
padding) share them: the patch matrix is built once and multiplied by all the first
layers' kernels side by side, then each network goes on from its own channels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitnet.nn.conv import Conv2D
from digitnet.nn.model import Sequential
from digitnet.threads import blas_threads, threads_for


class Ensemble:
    """Networks with the same inputs (N, n_in) and outputs (N, n_out), read together."""

    def __init__(self, models: Sequence[Sequential]) -> None:
        if not models:
            raise ValueError("an ensemble needs at least one network")
        if len({m.n_out for m in models}) > 1:
            raise ValueError("the networks of an ensemble must have the same outputs")
        self.models = list(models)
        self.n_out = self.models[0].n_out
        self.dtype = self.models[0].dtype

    def predict_proba(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The mean of the networks' outputs: (N, n_out) float64 (on every core where the
        work is large enough to gain from them)."""
        first = self.shared_first_layer()
        if first is None:
            out = [np.asarray(m.predict_proba(x, batch_size), np.float64) for m in self.models]
            return np.mean(out, axis=0)
        work = len(x) * sum(m.multiply_adds() for m in self.models)
        with blas_threads(threads_for(work)):
            parts = [
                self.infer_shared(first, x[i : i + batch_size])
                for i in range(0, len(x), batch_size)
            ]
        return np.concatenate(parts) if parts else np.empty((0, self.n_out))

    def shared_first_layer(self) -> Conv2D | None:
        """One Conv2D doing every network's first layer (their kernels side by side), or
        None unless all are Conv2D layers on the same inputs with the same patches."""
        models = self.models
        layers = [m.layers[0] if m.layers else None for m in models]
        if len(models) < 2 or not all(isinstance(layer, Conv2D) for layer in layers):
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
        total, start = np.zeros((len(x), self.n_out)), 0
        for m in self.models:
            filters = len(m.layers[0].weight)
            total += m.infer_from(z[:, start : start + filters], 1)
            start += filters
        return total / len(self.models)

    def predict(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The class with the highest mean output for each input: (N,) int64."""
        return self.predict_proba(x, batch_size).argmax(axis=1)
