"""A fused conv-activation-pool layer gives the numbers the three engine layers give, on
the model's own arrays, and training uses it for a CNN."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from digitnet import reproduce
from digitnet.config import ModelSpec, TrainConfig
from digitnet.nn import build, losses
from digitnet.nn.activations import ReLU, Sigmoid, Tanh
from digitnet.nn.conv import Conv2D, MaxPool2D
from digitnet.nn.conv_fused import ConvActPool, fused, fusible
from digitnet.nn.conv_kernels import kernels
from digitnet.nn.losses import loss_and_backward
from digitnet.nn.model import Sequential
from digitnet.train import fit, measure

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(kernels() is None, reason="numba is not installed")


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def engine_and_fused(rng, act, size, shape=(3, 4, 11, 10), filters=5, dtype=np.float64):
    w = rng.standard_normal((filters, shape[1], 3, 3)).astype(dtype)
    b = rng.standard_normal(filters).astype(dtype)
    conv = Conv2D(w, b)
    pool = MaxPool2D(size) if size > 1 else None  # size 1: conv and activation only
    layers = [conv, *([act] if act else []), *([pool] if pool else [])]
    engine = Sequential(layers, dtype)
    conv.input_grad = True  # as if a layer stood below: backward returns ∂C/∂x
    return engine, ConvActPool(conv, act, pool)


ACTS = {"none": None, "relu": ReLU(), "sigmoid": Sigmoid()}
FUSED = [(a, s) for a in ACTS for s in (1, 2, 3) if a != "none" or s > 1]  # 1: no pool


@pytest.mark.parametrize(("act", "size"), FUSED)
@pytest.mark.parametrize("filters", [5, 40])  # one channel at a time; channels as vectors
def test_fused_layer_gives_the_engine_layers_numbers(rng, act, size, filters):
    act = ACTS[act]
    engine, one = engine_and_fused(rng, act, size, filters=filters)
    x = rng.standard_normal((3, 4, 11, 10))
    y = engine.forward(x, train=True)
    assert one.forward(x, train=True).shape == y.shape
    np.testing.assert_allclose(one.forward(x, train=True), y, rtol=1e-12, atol=1e-15)
    grad = rng.standard_normal(y.shape)
    expected_x = engine.backward(grad)
    expected_w, expected_b = one.conv.grad_weight.copy(), one.conv.grad_bias.copy()
    one.conv.grad_weight[...] = one.conv.grad_bias[...] = 0
    np.testing.assert_allclose(one.backward(grad), expected_x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(one.conv.grad_weight, expected_w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(one.conv.grad_bias, expected_b, rtol=1e-10, atol=1e-12)


def test_a_tie_sends_the_gradient_to_the_first_position_as_the_engine_does(rng):
    engine, one = engine_and_fused(rng, ReLU(), 2, shape=(2, 1, 8, 8))
    one.conv.weight[...] = 0  # every output is the bias: every block a four-way tie
    one.conv.bias[...] = np.arange(5) - 2.0  # some below zero, where ReLU's slope is 0
    x = rng.standard_normal((2, 1, 8, 8))
    grad = rng.standard_normal(engine.forward(x, train=True).shape)
    expected = engine.backward(grad), one.conv.grad_weight.copy(), one.conv.grad_bias.copy()
    one.forward(x, train=True)
    got = one.backward(grad), one.conv.grad_weight, one.conv.grad_bias
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_the_first_layer_computes_no_input_gradient(rng):
    model = build(reproduce.get("book-ch6-conv2").spec, rng, np.float64)
    view = fused(model)
    assert [type(x).__name__ for x in view.layers[:2]] == ["ConvActPool", "ConvActPool"]
    assert view.layers[0].input_grad is False and view.layers[1].input_grad is True


@pytest.mark.parametrize(
    "name", ["book-ch6-conv1", "book-ch6-relu", "book-ch6-best", "examples/specs/cnn-speed.json"]
)
def test_a_training_step_of_the_view_is_the_models_step(rng, name):
    if name.endswith(".json"):  # conv-ReLU, then conv-ReLU-pool: a 1×1 pool, then a 2×2 one
        spec = ModelSpec.from_dict(json.loads((ROOT / name).read_text()))
    else:
        spec = reproduce.get(name).spec
    model = build(spec, np.random.default_rng(0), np.float64)
    view = fused(model)
    assert set(map(id, view.parameters().values())) == set(map(id, model.parameters().values()))
    x = rng.random((6, 1, 28, 28))
    y = np.eye(10)[rng.integers(0, 10, 6)]
    for layer in model.layers:  # dropout off: the two would draw different masks
        if hasattr(layer, "rate"):
            layer.rate = 0.0
    cost = losses.get(spec.cost)
    expected_loss = loss_and_backward(model, cost, x, y)
    expected = {k: g.copy() for k, g in model.gradients().items()}
    for g in model.gradients().values():
        g[...] = np.nan
    assert loss_and_backward(view, cost, x, y) == pytest.approx(expected_loss, rel=1e-12)
    for k, g in model.gradients().items():  # the view filled the model's own arrays
        np.testing.assert_allclose(g, expected[k], rtol=1e-9, atol=1e-13, err_msg=k)


def test_what_is_fused_and_what_is_not():
    w, b = np.zeros((2, 1, 3, 3)), np.zeros(2)
    assert fusible([Conv2D(w, b), ReLU(), MaxPool2D(2)], 0) == 3
    assert fusible([Conv2D(w, b), MaxPool2D(2)], 0) == 2
    assert fusible([Conv2D(w, b), Tanh(), MaxPool2D(2)], 0) == 0  # no kernel for tanh
    assert fusible([Conv2D(w, b, "same"), ReLU(), MaxPool2D(2)], 0) == 0
    assert fusible([Conv2D(w, b), ReLU()], 0) == 2  # no pool: a 1×1 one
    assert fusible([Conv2D(w, b), ReLU(), Conv2D(w, b)], 0) == 2
    assert fusible([Conv2D(w, b), Tanh()], 0) == 0
    assert fusible([Conv2D(w, b)], 0) == 0  # nothing to fuse it with
    dense = build(reproduce.get("book-ch1").spec, np.random.default_rng(0))
    assert fused(dense) is None


def test_training_a_cnn_goes_through_the_fused_layers_to_the_engines_weights(rng, monkeypatch):
    spec = ModelSpec.from_dict(
        {
            "input_size": 64,
            "input_shape": [1, 8, 8],
            "layers": [
                {"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu"},
                {"type": "maxpool2d", "size": 2},
                {"type": "dense", "units": 10, "activation": "softmax"},
            ],
            "cost": "log-likelihood",
        }
    )
    x = rng.integers(0, 255, (200, 8, 8)).astype(np.uint8)
    labels = rng.integers(0, 10, 200)
    config = TrainConfig(epochs=3, mini_batch_size=10, learning_rate=0.1, l2=1.0)
    trained = {}
    for use_fast in (False, True):
        model = build(spec, np.random.default_rng(0), np.float64)
        history = fit(
            model,
            losses.get(spec.cost),
            x,
            labels,
            config,
            np.random.default_rng(1),
            (x, labels),
            use_fast=use_fast,
        )
        trained[use_fast] = model.parameters(), history.engine
    assert trained[False][1] == "numpy" and trained[True][1] == "numpy+numba"
    for name, p in trained[True][0].items():
        np.testing.assert_allclose(p, trained[False][0][name], rtol=1e-9, atol=1e-12)

    class UsedError(Exception):
        pass

    def forward(self, a, train=False):
        raise UsedError

    monkeypatch.setattr(ConvActPool, "forward", forward)
    with pytest.raises(UsedError):  # the training steps go through the fused layer
        fit(build(spec, rng), losses.get(spec.cost), x, labels, config, rng)


def test_measuring_through_the_view_gives_the_engines_cost_and_count(rng):
    spec = reproduce.get("book-ch6-relu").spec
    model = build(spec, np.random.default_rng(0), np.float64)
    x = rng.integers(0, 255, (150, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 150)
    cost = losses.get(spec.cost)
    engine = measure(model, cost, x, labels, batch_size=2048)
    viewed = measure(fused(model), cost, x, labels)  # 64 at a time
    assert viewed[1] == engine[1]
    assert viewed[0] == pytest.approx(engine[0], rel=1e-12)
