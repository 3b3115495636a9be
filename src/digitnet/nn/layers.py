"""Layers of the engine. The contract, for every layer:

- ``forward(x, train)`` takes a batch (N, ...) and returns the output batch,
  keeping what ``backward`` needs;
- ``backward(grad_y)`` takes ∂C/∂y of the last forward, stores the gradients of the
  layer's parameters, and returns ∂C/∂x;
- ``params()`` and ``grads()`` map names to arrays (empty for layers without any).

The four equations of backpropagation (chapter 2) fall across two layers:
``Dense.backward`` computes BP3 and BP4 (the parameter gradients) and the first half
of BP2 (w^T δ); the activation layer's ``backward`` multiplies by σ'(z), which gives
BP1 on the output layer and finishes BP2 on the hidden ones.
"""

from __future__ import annotations

import numpy as np

from digitnet.errors import DigitnetError
from digitnet.nn import functional as F


class Layer:
    """Base class: a layer without parameters that passes its input through."""

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        return x

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y

    def params(self) -> dict[str, np.ndarray]:
        return {}

    def grads(self) -> dict[str, np.ndarray]:
        return {}


class Dense(Layer):
    """Fully connected layer: z = x wᵀ + b, with w (n_out, n_in) as in the book, b (n_out,).

    Input x is (N, n_in), output z is (N, n_out).
    """

    def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
        if weight.ndim != 2 or bias.shape != (weight.shape[0],):
            raise ValueError(f"Dense: weight {weight.shape} and bias {bias.shape} do not fit")
        self.weight = weight
        self.bias = bias
        self.grad_weight = np.zeros_like(weight)
        self.grad_bias = np.zeros_like(bias)
        self.x: np.ndarray | None = None

    @property
    def n_in(self) -> int:
        return self.weight.shape[1]

    @property
    def n_out(self) -> int:
        return self.weight.shape[0]

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.x = x
        z = x @ self.weight.T
        z += self.bias  # in place: no second (N, n_out) array
        return z

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        delta = grad_y  # δ = ∂C/∂z for this layer, one row per example
        self.grad_bias[...] = delta.sum(axis=0)  # BP3: ∂C/∂b = δ
        self.grad_weight[...] = delta.T @ self.x  # BP4: ∂C/∂w_jk = a_k δ_j
        return delta @ self.weight  # BP2, first half: (w^T δ)

    def params(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight, "bias": self.bias}

    def grads(self) -> dict[str, np.ndarray]:
        return {"weight": self.grad_weight, "bias": self.grad_bias}


class Sigmoid(Layer):
    """a = σ(z), element-wise; backward multiplies by σ'(z) = a(1 − a)."""

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.a = F.sigmoid(x)
        return self.a

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y * (self.a * (1 - self.a))  # BP1 / BP2: ⊙ σ'(z)


ACTIVATIONS: dict[str, type[Layer]] = {"sigmoid": Sigmoid}


def activation(name: str) -> Layer:
    """A new activation layer called ``name``."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise DigitnetError(
            f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})"
        ) from None
