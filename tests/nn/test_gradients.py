"""Every layer and cost against central differences (float64, relative error < 1e-6)."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numerical_grad, relative_error

from digitnet.config import ModelSpec
from digitnet.nn import build, losses
from digitnet.nn.activations import Sigmoid
from digitnet.nn.layers import Dense
from digitnet.nn.network import Network

TOL = 1e-6


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def test_dense_gradients(rng):
    layer = Dense(rng.standard_normal((4, 5)), rng.standard_normal(4))
    x = rng.standard_normal((3, 5))
    r = rng.standard_normal((3, 4))  # C = Σ r ⊙ y, so ∂C/∂y = r

    def cost() -> float:
        return float(np.sum(r * layer.forward(x)))

    layer.forward(x)
    grad_x = layer.backward(r)
    assert relative_error(grad_x, numerical_grad(cost, x)) < TOL
    assert relative_error(layer.grad_weight, numerical_grad(cost, layer.weight)) < TOL
    assert relative_error(layer.grad_bias, numerical_grad(cost, layer.bias)) < TOL


def test_sigmoid_gradient(rng):
    layer = Sigmoid()
    x = rng.standard_normal((3, 6)) * 3
    r = rng.standard_normal((3, 6))
    layer.forward(x)
    grad_x = layer.backward(r)
    assert (
        relative_error(grad_x, numerical_grad(lambda: float(np.sum(r * layer.forward(x))), x)) < TOL
    )


@pytest.mark.parametrize("name", ["quadratic"])
def test_cost_gradient(rng, name):
    cost = losses.get(name)
    a = rng.uniform(0.05, 0.95, (4, 10))
    y = np.eye(10)[rng.integers(0, 10, 4)]
    analytic = cost.grad(a, y)
    assert relative_error(analytic, numerical_grad(lambda: cost.value(a, y), a)) < TOL


def test_whole_model_gradients(rng):
    model = build(ModelSpec.from_sizes([6, 5, 4, 3]), rng, np.float64)
    cost = losses.get("quadratic")
    x = rng.standard_normal((7, 6))
    y = np.eye(3)[rng.integers(0, 3, 7)]
    model.backward(cost.grad(model.forward(x), y))
    for name, p in model.parameters().items():
        numeric = numerical_grad(lambda: cost.value(model.forward(x), y), p)
        assert relative_error(model.gradients()[name], numeric) < TOL, name


def test_book_backprop_equals_engine(rng):
    net = Network([6, 5, 3], seed=1)
    x = rng.standard_normal((4, 6))
    y = np.eye(3)[[0, 2, 1, 1]]
    nabla_b, nabla_w = net.backprop(x, y)
    cost = losses.get("quadratic")
    net.model.backward(cost.grad(net.model.forward(x), y))
    grads = net.model.gradients()
    # the book's backprop sums over the batch; the engine's cost is the batch mean
    np.testing.assert_allclose(nabla_w[0], 4 * grads["0.weight"], rtol=1e-12)
    np.testing.assert_allclose(nabla_b[1], 4 * grads["2.bias"], rtol=1e-12)
