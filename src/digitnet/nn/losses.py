"""Costs: the mean cost over a batch, and its gradient.

Every cost has ``value(a, y)`` and ``grad(a, y)`` = ∂C/∂a, for the network output a and
one-hot targets y, both (N, classes). Two costs also pair with an output activation
(chapter 3): cross-entropy with sigmoid and log-likelihood with softmax. For those,
``value_logits(z, y)`` and ``delta_logits(z, y)`` work on the output layer's weighted
input z: the cost is computed without ever taking the log of 0 (stable for z = ±1000),
and δ^L = (a − y)/N exactly, the famous cancellation of σ'(z) that makes these costs
learn fast. :func:`loss_and_backward` uses that path whenever the pair matches.
"""

from __future__ import annotations

import numpy as np

from digitnet.errors import lookup
from digitnet.nn import functional as F
from digitnet.nn.activations import Sigmoid, Softmax
from digitnet.nn.layers import Layer

EPS = 1e-12  # keeps the unfused forms finite when an output saturates


class Cost:
    """Base: a cost without a fused output activation."""

    name = ""
    fused_with: type[Layer] | None = None

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def value_logits(self, z: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def delta_logits(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Quadratic(Cost):
    """C = 1/(2n) Σ ||y − a||² (chapter 1)."""

    name = "quadratic"

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        return F.quadratic_cost(a, y)

    def grad(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        return F.quadratic_cost_grad(a, y)


class CrossEntropy(Cost):
    """C = −1/n Σ [y ln a + (1 − y) ln(1 − a)] over every output neuron (chapter 3)."""

    name = "cross-entropy"
    fused_with = Sigmoid

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        a = np.clip(a, EPS, 1 - EPS)
        return float(-np.sum(y * np.log(a) + (1 - y) * np.log1p(-a)) / len(a))

    def grad(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        a = np.clip(a, EPS, 1 - EPS)
        return (a - y) / (a * (1 - a)) / a.dtype.type(len(a))

    def value_logits(self, z: np.ndarray, y: np.ndarray) -> float:
        # −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y z
        return float(np.sum(F.softplus(z) - y * z) / len(z))

    def delta_logits(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (F.sigmoid(z) - y) / z.dtype.type(len(z))


class LogLikelihood(Cost):
    """C = −1/n Σ ln a_y for softmax outputs a (chapter 3; Keras' categorical cross-entropy)."""

    name = "log-likelihood"
    fused_with = Softmax

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        return float(-np.sum(y * np.log(np.clip(a, EPS, 1))) / len(a))

    def grad(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        return -y / np.clip(a, EPS, 1) / a.dtype.type(len(a))

    def value_logits(self, z: np.ndarray, y: np.ndarray) -> float:
        return float(-np.sum(y * F.log_softmax(z)) / len(z))

    def delta_logits(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (F.softmax(z) - y) / z.dtype.type(len(z))


COSTS: dict[str, type[Cost]] = {
    "quadratic": Quadratic,
    "cross-entropy": CrossEntropy,
    "log-likelihood": LogLikelihood,
}
ALIASES = {"categorical-cross-entropy": "log-likelihood", "mse": "quadratic"}


def get(name: str) -> Cost:
    """A new cost object called ``name`` (or one of its aliases)."""
    return lookup({**COSTS, **{a: COSTS[c] for a, c in ALIASES.items()}}, name, "cost")()


def loss_and_backward(model, cost: Cost, x: np.ndarray, y: np.ndarray, train: bool = True) -> float:
    """Forward x (N, ...) through ``model``, backpropagate ``cost`` against y (N, k).

    Fills every layer's gradients and returns the mean cost of the batch. When the
    model ends in the cost's paired activation, the fused logit form is used.
    """
    layers = model.layers
    if cost.fused_with is not None and isinstance(layers[-1], cost.fused_with):
        z = model.forward(x, train=train, stop=len(layers) - 1)
        model.backward(cost.delta_logits(z, y), start=len(layers) - 1)
        return cost.value_logits(z, y)
    a = model.forward(x, train=train)
    model.backward(cost.grad(a, y))
    return cost.value(a, y)
