"""Layers of the engine. The contract, for every layer:

- ``forward(x, train)`` takes a batch (N, ...) and returns the output batch,
  keeping what ``backward`` needs;
- ``backward(grad_y)`` takes ∂C/∂y of the last forward, stores the gradients of the
  layer's parameters, and returns ∂C/∂x;
- ``params()`` and ``grads()`` map names to arrays (empty for layers without any).

The four equations of backpropagation (chapter 2) fall across two layers:
``Dense.backward`` computes BP3 and BP4 (the parameter gradients) and the first half
of BP2 (w^T δ); the activation layer's ``backward`` (:mod:`digitnet.nn.activations`)
multiplies by σ'(z), which gives BP1 on the output layer and finishes BP2 on the
hidden ones.
"""

from __future__ import annotations

import numpy as np


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

    def release(self) -> None:
        """Drop work arrays kept from one training step to the next (none here)."""


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
        self.input_grad = True  # False for a first layer: nobody needs ∂C/∂x there

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

    def backward(self, grad_y: np.ndarray) -> np.ndarray | None:
        delta = grad_y  # δ = ∂C/∂z for this layer, one row per example
        self.grad_bias[...] = delta.sum(axis=0)  # BP3: ∂C/∂b = δ
        np.matmul(delta.T, self.x, out=self.grad_weight)  # BP4: ∂C/∂w_jk = a_k δ_j
        if not self.input_grad:
            return None
        return delta @ self.weight  # BP2, first half: (w^T δ)

    def params(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight, "bias": self.bias}

    def grads(self) -> dict[str, np.ndarray]:
        return {"weight": self.grad_weight, "bias": self.grad_bias}


class Maxout(Dense):
    """Maxout units (Goodfellow et al. 2013): each of ``units`` outputs is the largest of
    ``pieces`` linear functions of the input.

    weight is (units * pieces, n_in), bias (units * pieces,); row u * pieces + k is
    piece k of unit u. Input (N, n_in), output (N, units). Backward sends each unit's
    gradient to the piece that won.
    """

    def __init__(self, weight: np.ndarray, bias: np.ndarray, pieces: int) -> None:
        super().__init__(weight, bias)
        if weight.shape[0] % pieces:
            raise ValueError(f"Maxout: {weight.shape[0]} rows is not a multiple of {pieces}")
        self.pieces = pieces

    @property
    def n_out(self) -> int:
        return self.weight.shape[0] // self.pieces

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        z = super().forward(x, train).reshape(len(x), -1, self.pieces)
        self.winner = z.argmax(axis=2)  # (N, units)
        return np.take_along_axis(z, self.winner[..., None], axis=2)[..., 0]

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        grad_z = np.zeros((len(grad_y), self.n_out, self.pieces), grad_y.dtype)
        np.put_along_axis(grad_z, self.winner[..., None], grad_y[..., None], axis=2)
        return super().backward(grad_z.reshape(len(grad_y), -1))


class Dropout(Layer):
    """Inverted dropout: in training each input is kept with probability 1 − rate and
    scaled by 1/(1 − rate), so nothing changes at test time (an identity then).

    The mask comes from the Generator handed in, so a seed reproduces a run.
    """

    def __init__(self, rate: float, rng: np.random.Generator) -> None:
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.rng = rng
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        if not train or self.rate == 0:
            self.mask = None
            return x
        keep = 1 - self.rate
        self.mask = (self.rng.random(x.shape, dtype=x.dtype) < keep) / x.dtype.type(keep)
        return x * self.mask

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y if self.mask is None else grad_y * self.mask
