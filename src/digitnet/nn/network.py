"""The book's ``Network`` class (chapter 1, network.py), in Python 3 over digitnet's engine.

Read it beside the book::

    >>> net = Network([784, 30, 10])
    >>> net.SGD(training_data, 30, 10, 3.0, test_data=test_data)
    Epoch 0: 9129 / 10000
    ...

Differences from the book, each for a reason:

- backprop runs on a whole mini-batch at once, as matrices (one row per example),
  instead of a Python loop over examples: the same sums, many times faster;
- randomness comes from ``np.random.default_rng(seed)``, so a seed reproduces a run;
- data may be the book's lists of ``(x, y)`` column vectors or plain arrays
  (``(X, labels)`` with X of shape (n, 784)).

``weights[l]`` has shape (n_out, n_in) and ``biases[l]`` shape (n_out,); they are the
engine's parameter arrays themselves, so changing them changes the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitnet.config import ModelSpec
from digitnet.data.datasets import one_hot
from digitnet.nn.functional import sigmoid
from digitnet.nn.model import Sequential, build


def as_arrays(data, n_out: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Book-style data or arrays -> (X (n, n_in), Y (n, n_out) one-hot)."""
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray):
        x, y = data
    else:
        pairs = list(data)
        x = np.stack([np.ravel(p[0]) for p in pairs])
        y = [p[1] for p in pairs]
        y = np.stack([np.ravel(v) for v in y]) if np.ndim(y[0]) else np.asarray(y)
    x = np.asarray(x, dtype=dtype).reshape(len(x), -1)
    y = np.asarray(y)
    if y.ndim == 1:
        y = one_hot(y.astype(np.int64), n_out, dtype)
    return x, y.astype(dtype, copy=False)


class Network:
    """A network of sigmoid neurons trained with the quadratic cost, as in chapter 1.

    ``sizes`` lists the neurons per layer, e.g. [784, 30, 10].
    """

    def __init__(
        self, sizes: Sequence[int], seed: int | None = None, dtype: np.dtype | str = np.float64
    ) -> None:
        self.num_layers = len(sizes)
        self.sizes = list(sizes)
        self.rng = np.random.default_rng(seed)
        self.model: Sequential = build(ModelSpec.from_sizes(self.sizes), self.rng, dtype)

    @property
    def weights(self) -> list[np.ndarray]:
        return [layer.weight for layer in self.model.dense_layers]

    @property
    def biases(self) -> list[np.ndarray]:
        return [layer.bias for layer in self.model.dense_layers]

    def feedforward(self, a: np.ndarray) -> np.ndarray:
        """Output for input a: a column (n_in, 1) as in the book, or a batch (n, n_in)."""
        a = np.asarray(a, dtype=self.model.dtype)
        column = a.ndim == 2 and a.shape[1] == 1 and a.shape[0] == self.sizes[0]
        x = a.reshape(1, -1) if column or a.ndim == 1 else a
        for b, w in zip(self.biases, self.weights, strict=True):
            x = sigmoid(x @ w.T + b)
        return x.reshape(-1, 1) if column else (x[0] if a.ndim == 1 else x)

    def SGD(  # noqa: N802 (the book's name)
        self,
        training_data,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        test_data=None,
    ) -> list[int]:
        """Train by mini-batch stochastic gradient descent; print progress per epoch.

        Returns the number of test inputs classified right after each epoch (empty
        without ``test_data``).
        """
        x, y = as_arrays(training_data, self.sizes[-1], self.model.dtype)
        n = len(x)
        scores = []
        for j in range(epochs):
            order = self.rng.permutation(n)
            x, y = x[order], y[order]
            for k in range(0, n, mini_batch_size):
                self.update_mini_batch(x[k : k + mini_batch_size], y[k : k + mini_batch_size], eta)
            if test_data is not None:
                correct = self.evaluate(test_data)
                scores.append(correct)
                print(f"Epoch {j}: {correct} / {len(self._labels(test_data))}")
            else:
                print(f"Epoch {j} complete")
        return scores

    def update_mini_batch(self, x: np.ndarray, y: np.ndarray, eta: float) -> None:
        """One gradient step on a mini-batch: x (m, n_in), y (m, n_out) one-hot."""
        m = len(x)
        nabla_b, nabla_w = self.backprop(x, y)
        step = self.model.dtype.type(eta / m)
        for w, nw in zip(self.weights, nabla_w, strict=True):
            w -= step * nw
        for b, nb in zip(self.biases, nabla_b, strict=True):
            b -= step * nb

    def backprop(self, x: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradients of the quadratic cost, summed over the mini-batch (as the book's loop).

        x (m, n_in), y (m, n_out). Returns (nabla_b, nabla_w), shaped like the biases
        and weights.
        """
        activation = x
        activations = [x]  # a for every layer, (m, n) each
        for b, w in zip(self.biases, self.weights, strict=True):
            z = activation @ w.T + b
            activation = sigmoid(z)
            activations.append(activation)
        a = activations[-1]
        delta = (a - y) * a * (1 - a)  # BP1: δ^L = ∇_a C ⊙ σ'(z^L)
        nabla_b = [np.empty(0)] * len(self.biases)
        nabla_w = [np.empty(0)] * len(self.weights)
        nabla_b[-1] = delta.sum(axis=0)  # BP3: ∂C/∂b = δ
        nabla_w[-1] = delta.T @ activations[-2]  # BP4: ∂C/∂w = a_in δ
        for layer in range(2, self.num_layers):
            a = activations[-layer]
            delta = (delta @ self.weights[-layer + 1]) * a * (1 - a)  # BP2
            nabla_b[-layer] = delta.sum(axis=0)  # BP3
            nabla_w[-layer] = delta.T @ activations[-layer - 1]  # BP4
        return nabla_b, nabla_w

    @staticmethod
    def _labels(test_data) -> np.ndarray:
        if isinstance(test_data, tuple) and isinstance(test_data[0], np.ndarray):
            return np.asarray(test_data[1])
        return np.asarray(
            [
                int(np.argmax(p[1])) if np.size(p[1]) > 1 else int(np.ravel(p[1])[0])
                for p in test_data
            ]
        )

    def evaluate(self, test_data) -> int:
        """How many test inputs the network gets right (the most active output neuron)."""
        labels = self._labels(test_data)
        if isinstance(test_data, tuple) and isinstance(test_data[0], np.ndarray):
            x = test_data[0].reshape(len(labels), -1)
        else:
            x = np.stack([np.ravel(p[0]) for p in test_data])
        return int(np.sum(self.model.predict(x) == labels))
