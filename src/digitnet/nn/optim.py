"""Optimisers: update parameters in place from their gradients.

An optimiser holds the list of (parameter, gradient) array pairs of a model; ``step()``
applies one update after ``model.backward`` has filled the gradients.
"""

from __future__ import annotations

import numpy as np


class SGD:
    """Plain gradient descent: w ← w − η ∂C/∂w.

    With C the mean cost over a mini-batch of m examples this is the book's
    w ← w − (η/m) Σ_x ∂C_x/∂w.
    """

    name = "sgd"

    def __init__(self, pairs: list[tuple[np.ndarray, np.ndarray]], learning_rate: float) -> None:
        self.pairs = pairs
        self.learning_rate = learning_rate

    def step(self) -> None:
        for p, g in self.pairs:
            p -= p.dtype.type(self.learning_rate) * g
