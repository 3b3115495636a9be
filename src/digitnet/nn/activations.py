"""Activation layers: element-wise functions (and softmax), no parameters.

Each ``forward`` keeps what its ``backward`` needs; ``backward`` multiplies ∂C/∂a by
the derivative of the function (the ⊙ σ'(z) of BP1 and BP2, for any σ).
"""

from __future__ import annotations

import numpy as np

from digitnet.errors import lookup
from digitnet.nn import functional as F
from digitnet.nn.layers import Layer


class Sigmoid(Layer):
    """a = σ(z); σ'(z) = a(1 − a)."""

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.a = F.sigmoid(x)
        return self.a

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y * (self.a * (1 - self.a))  # BP1 / BP2: ⊙ σ'(z)


class Tanh(Layer):
    """a = tanh(z); tanh'(z) = 1 − a²."""

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.a = np.tanh(x)
        return self.a

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y * (1 - self.a * self.a)


class ReLU(Layer):
    """a = max(0, z); derivative 1 where z > 0, else 0."""

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.positive = x > 0
        return x * self.positive

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y * self.positive


class LeakyReLU(Layer):
    """a = z for z > 0, αz otherwise (α = 0.01)."""

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = alpha

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.positive = x > 0
        return F.leaky_relu(x, self.alpha)

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y * np.where(self.positive, 1, grad_y.dtype.type(self.alpha))


class ELU(Layer):
    """a = z for z > 0, α(e^z − 1) otherwise; derivative 1, or a + α."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.positive = x > 0
        self.a = F.elu(x, self.alpha)
        return self.a

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y * np.where(self.positive, 1, self.a + grad_y.dtype.type(self.alpha))


class Softmax(Layer):
    """a = softmax(z) per row. Backward is the Jacobian-vector product a ⊙ (g − Σ g a).

    With the log-likelihood cost, training skips this backward and uses the fused,
    exact δ = a − y instead (see :mod:`digitnet.nn.losses`).
    """

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.a = F.softmax(x)
        return self.a

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return self.a * (grad_y - np.sum(grad_y * self.a, axis=1, keepdims=True))


class Identity(Layer):
    """a = z (a linear output)."""


ACTIVATIONS: dict[str, type[Layer]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky-relu": LeakyReLU,
    "elu": ELU,
    "softmax": Softmax,
    "linear": Identity,
}


def activation(name: str) -> Layer:
    """A new activation layer called ``name``."""
    return lookup(ACTIVATIONS, name, "activation")()
