"""Pure maths of the engine: activations, their derivatives, costs. No state, no classes.

Every function works element-wise or row-wise on batch-first arrays and keeps the dtype
of its input (float32 or float64).
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(-z)) (same shape and dtype as z).

    Computed as (1 + tanh(z/2)) / 2, the same function, which never overflows for any
    z and costs three passes over the array with no temporaries beyond the result.
    """
    half = z.dtype.type(0.5) if isinstance(z, np.ndarray) else 0.5
    a = np.multiply(z, half)
    np.tanh(a, out=a)
    a *= half
    a += half
    return a


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z)) (same shape as z)."""
    s = sigmoid(z)
    return s * (1 - s)


def quadratic_cost(a: np.ndarray, y: np.ndarray) -> float:
    """The book's quadratic cost C = 1/(2n) Σ_x ||y(x) − a(x)||², for a, y of shape (n, k)."""
    return float(0.5 * np.sum((a - y) ** 2) / len(a))


def quadratic_cost_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂C/∂a of the quadratic cost, shape (n, k): (a − y) / n."""
    return (a - y) / a.dtype.type(len(a))
