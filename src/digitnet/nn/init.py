"""Weight initialisers. Each takes the layer's sizes and an ``np.random.Generator``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from digitnet.errors import lookup

Initializer = Callable[[int, int, np.random.Generator, np.dtype], tuple[np.ndarray, np.ndarray]]


def normal(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.dtype):
    """The book's chapter 1 choice: weights (n_out, n_in) and biases (n_out,) all N(0, 1)."""
    w = rng.standard_normal((n_out, n_in)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    return w, b


def scaled_normal(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.dtype):
    """The book's chapter 3 choice: weights N(0, 1/n_in), biases N(0, 1)."""
    w = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    return w, b


def glorot(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.dtype):
    """Glorot / Xavier uniform: weights U(−r, r) with r = √(6 / (n_in + n_out)); biases 0."""
    r = np.sqrt(6 / (n_in + n_out))
    w = rng.uniform(-r, r, (n_out, n_in)).astype(dtype)
    return w, np.zeros(n_out, dtype)


def he(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.dtype):
    """He / Kaiming normal, for ReLU layers: weights N(0, 2/n_in); biases 0."""
    w = (rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)).astype(dtype)
    return w, np.zeros(n_out, dtype)


def fan_in_uniform(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.dtype):
    """PyTorch's nn.Linear default: weights and biases U(−1/√n_in, 1/√n_in)."""
    r = 1 / np.sqrt(n_in)
    w = rng.uniform(-r, r, (n_out, n_in)).astype(dtype)
    b = rng.uniform(-r, r, n_out).astype(dtype)
    return w, b


INITIALIZERS: dict[str, Initializer] = {
    "normal": normal,
    "scaled-normal": scaled_normal,
    "glorot": glorot,
    "he": he,
    "fan-in-uniform": fan_in_uniform,
}


def get(name: str) -> Initializer:
    """The initialiser called ``name``."""
    return lookup(INITIALIZERS, name, "initialiser")
