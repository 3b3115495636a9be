"""Costs: each gives the mean cost over a batch and ∂C/∂a, its gradient for the output.

A cost's ``value(a, y)`` and ``grad(a, y)`` take the network output a and the
targets y, both (N, classes), y one-hot.
"""

from __future__ import annotations

import numpy as np

from digitnet.errors import DigitnetError
from digitnet.nn import functional as F


class Quadratic:
    """C = 1/(2n) Σ ||y − a||² (chapter 1)."""

    name = "quadratic"

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        return F.quadratic_cost(a, y)

    def grad(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        return F.quadratic_cost_grad(a, y)


COSTS: dict[str, type] = {"quadratic": Quadratic}


def get(name: str):
    """A new cost object called ``name``."""
    try:
        return COSTS[name]()
    except KeyError:
        raise DigitnetError(f"unknown cost {name!r} (known: {', '.join(COSTS)})") from None
