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


def softplus(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z), without overflow for any z."""
    return np.logaddexp(0, z)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits z (N, k), stable for any z (the row max is subtracted)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ln softmax(z) (N, k), stable: z − max − ln Σ e^(z − max)."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """z for z > 0, αz otherwise."""
    return np.where(z > 0, z, z * z.dtype.type(alpha))


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """z for z > 0, α(e^z − 1) otherwise (expm1 on the negative part only: no overflow)."""
    return np.where(z > 0, z, z.dtype.type(alpha) * np.expm1(np.minimum(z, 0)))
