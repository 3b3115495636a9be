"""Several trained networks read as one: the mean of their outputs.

Networks trained from different seeds make different mistakes on the hard cases, so the
mean of their class probabilities is right more often than any one of them (the book's
chapter 6 does the same with a vote of five networks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitnet.nn.model import Sequential


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
        """The mean of the networks' outputs: (N, n_out) float64."""
        out = [np.asarray(m.predict_proba(x, batch_size), np.float64) for m in self.models]
        return np.mean(out, axis=0)

    def predict(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The class with the highest mean output for each input: (N,) int64."""
        return self.predict_proba(x, batch_size).argmax(axis=1)
