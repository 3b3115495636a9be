"""Gradient checks of chapter 3's layers and costs (float64, relative error < 1e-6)."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numerical_grad, relative_error

from digitnet.config import ModelSpec
from digitnet.nn import build, losses
from digitnet.nn import functional as F
from digitnet.nn.activations import ACTIVATIONS
from digitnet.nn.layers import Dropout, Maxout

TOL = 1e-6


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients(rng, name):
    layer = ACTIVATIONS[name]()
    x = rng.standard_normal((4, 6)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kinks of ReLU-like functions
    r = rng.standard_normal((4, 6))
    layer.forward(x, train=True)
    grad = layer.backward(r)
    numeric = numerical_grad(lambda: float(np.sum(r * layer.forward(x, train=True))), x)
    assert relative_error(grad, numeric) < TOL


def test_maxout_gradients(rng):
    layer = Maxout(rng.standard_normal((6, 5)), rng.standard_normal(6), pieces=3)
    x = rng.standard_normal((4, 5))
    r = rng.standard_normal((4, 2))

    def cost() -> float:
        return float(np.sum(r * layer.forward(x)))

    y = layer.forward(x)
    assert y.shape == (4, 2)
    z = (x @ layer.weight.T + layer.bias).reshape(4, 2, 3)
    np.testing.assert_allclose(y, z.max(axis=2))
    grad_x = layer.backward(r)
    assert relative_error(grad_x, numerical_grad(cost, x)) < TOL
    assert relative_error(layer.grad_weight, numerical_grad(cost, layer.weight)) < TOL
    assert relative_error(layer.grad_bias, numerical_grad(cost, layer.bias)) < TOL


def test_dropout_is_inverted_and_backprops_through_its_mask(rng):
    layer = Dropout(0.5, np.random.default_rng(0))
    x = np.ones((2000, 50))
    y = layer.forward(x, train=True)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert abs(y.mean() - 1.0) < 0.02  # the expected activation is unchanged
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), y)
    np.testing.assert_array_equal(layer.forward(x, train=False), x)  # identity at test time


@pytest.mark.parametrize("name", ["quadratic", "cross-entropy", "log-likelihood"])
def test_cost_gradient(rng, name):
    cost = losses.get(name)
    a = (
        F.softmax(rng.standard_normal((4, 10)))
        if name == "log-likelihood"
        else rng.uniform(0.05, 0.95, (4, 10))
    )
    y = np.eye(10)[rng.integers(0, 10, 4)]
    assert relative_error(cost.grad(a, y), numerical_grad(lambda: cost.value(a, y), a)) < TOL


@pytest.mark.parametrize("name", ["cross-entropy", "log-likelihood"])
def test_fused_delta_is_the_gradient_of_the_logit_cost(rng, name):
    cost = losses.get(name)
    z = rng.standard_normal((5, 10)) * 3
    y = np.eye(10)[rng.integers(0, 10, 5)]
    numeric = numerical_grad(lambda: cost.value_logits(z, y), z)
    assert relative_error(cost.delta_logits(z, y), numeric) < TOL
    # and the fused value equals the cost of the activated outputs
    activate = F.sigmoid if name == "cross-entropy" else F.softmax
    assert cost.value_logits(z, y) == pytest.approx(cost.value(activate(z), y), rel=1e-9)


@pytest.mark.parametrize("name", ["cross-entropy", "log-likelihood"])
def test_fused_costs_are_stable_for_huge_logits(name):
    cost = losses.get(name)
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 5.0]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])  # confidently wrong: a large, finite cost
    value = cost.value_logits(z, y)
    delta = cost.delta_logits(z, y)
    assert np.isfinite(value) and value > 500
    assert np.all(np.isfinite(delta)) and np.abs(delta).max() <= 1


@pytest.mark.parametrize(
    ("layers", "cost"),
    [
        ([("dense", 5, "tanh"), ("dense", 3, "softmax")], "log-likelihood"),
        ([("dense", 5, "relu"), ("dense", 3, "sigmoid")], "cross-entropy"),
        ([("maxout", 4, None), ("dense", 3, "softmax")], "log-likelihood"),
        ([("dense", 5, "elu"), ("dense", 3, "linear")], "quadratic"),
    ],
)
def test_whole_model_gradients_through_the_training_path(rng, layers, cost):
    cost_name = cost
    specs = []
    for kind, units, act in layers:
        layer = {"type": kind, "units": units}
        if kind == "maxout":
            layer["pieces"] = 2
        if act:
            layer["activation"] = act
        specs.append(layer)
    spec = ModelSpec(input_size=6, layers=specs, cost=cost_name, init="glorot")
    model = build(spec, rng, np.float64)
    for p in model.parameters().values():  # non-zero biases too
        p += rng.standard_normal(p.shape) * 0.1
    cost = losses.get(cost_name)
    x = rng.standard_normal((7, 6))
    y = np.eye(3)[rng.integers(0, 3, 7)]
    losses.loss_and_backward(model, cost, x, y)
    grads = {k: v.copy() for k, v in model.gradients().items()}
    for name, p in model.parameters().items():
        numeric = numerical_grad(lambda: losses.loss_and_backward(model, cost, x, y), p)
        assert relative_error(grads[name], numeric) < TOL, name
