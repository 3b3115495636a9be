"""SGD: one step against a hand computation; seeds; the fast path against the engine."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.config import ModelSpec, TrainConfig
from digitnet.nn import build, fast, losses
from digitnet.nn.activations import Sigmoid
from digitnet.nn.layers import Dense
from digitnet.nn.model import Sequential
from digitnet.nn.network import Network
from digitnet.nn.optim import SGD
from digitnet.train import fit


def test_one_sgd_step_by_hand():
    # A 1-input, 1-output sigmoid neuron: w = 0.5, b = -1, x = 2, y = 1, η = 0.1.
    layer = Dense(np.array([[0.5]]), np.array([-1.0]))
    model = Sequential([layer, Sigmoid()], np.float64)
    a = model.forward(np.array([[2.0]]))
    assert a[0, 0] == pytest.approx(0.5)  # σ(0.5·2 − 1) = σ(0) = 1/2
    cost = losses.get("quadratic")
    model.backward(cost.grad(a, np.array([[1.0]])))
    SGD(model.param_grad_pairs(), 0.1).step()
    # δ = (a − y) σ'(z) = (−0.5)(0.25) = −0.125; ∂C/∂w = x δ = −0.25; ∂C/∂b = δ
    assert layer.weight[0, 0] == pytest.approx(0.5 + 0.1 * 0.25)
    assert layer.bias[0] == pytest.approx(-1.0 + 0.1 * 0.125)


def test_mini_batch_step_is_mean_over_examples():
    model = Sequential([Dense(np.array([[0.5, -0.2]]), np.array([0.1])), Sigmoid()], np.float64)
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    y = np.array([[1.0], [0.0]])
    a = model.forward(x)
    delta = (a - y) * a * (1 - a)
    expected_w = np.array([[0.5, -0.2]]) - 3.0 / 2 * (delta.T @ x)
    model.backward(losses.get("quadratic").grad(a, y))
    SGD(model.param_grad_pairs(), 3.0).step()
    np.testing.assert_allclose(model.layers[0].weight, expected_w, rtol=1e-12)


def toy_data(n=600, n_in=20, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.random((n, n_in))
    x[x < 0.6] = 0  # sparse, like MNIST
    labels = (x[:, :10].sum(axis=1) > x[:, 10:].sum(axis=1)).astype(np.int64) * 3
    return x, labels


def train_toy(
    seed, use_fast, dtype=np.float64, mini_batch_size=10, cost="quadratic", l2=0.0, hidden=7
):
    x, labels = toy_data()
    rng = np.random.default_rng(seed)
    spec = ModelSpec.from_sizes([20, hidden, 10], cost=cost)  # the fast path pads to 32, 64
    model = build(spec, rng, dtype)
    config = TrainConfig(
        epochs=2, mini_batch_size=mini_batch_size, learning_rate=3.0, l2=l2, monitor_training=False
    )
    history = fit(
        model, losses.get(cost), x, labels, config, rng, progress=False, use_fast=use_fast
    )
    assert history.engine == ("numpy+numba" if use_fast and fast.available() else "numpy")
    return model


def test_same_seed_same_run():
    a, b = train_toy(5, use_fast=False), train_toy(5, use_fast=False)
    for name, p in a.parameters().items():
        np.testing.assert_array_equal(p, b.parameters()[name])
    c = train_toy(6, use_fast=False)
    assert not np.array_equal(a.parameters()["0.weight"], c.parameters()["0.weight"])


@pytest.mark.skipif(not fast.available(), reason="numba not installed")
@pytest.mark.parametrize(
    ("mini_batch_size", "cost", "l2", "hidden"),
    [
        (1, "quadratic", 0.0, 7),
        (7, "quadratic", 0.0, 7),
        (10, "quadratic", 0.0, 7),
        (10, "cross-entropy", 0.0, 7),
        (7, "cross-entropy", 5.0, 7),
        (10, "quadratic", 50.0, 7),
        (10, "quadratic", 0.0, 40),  # two groups of vectors per row
        (7, "cross-entropy", 5.0, 40),
    ],
)
def test_fast_path_computes_what_the_engine_computes(mini_batch_size, cost, l2, hidden):
    kw = {"mini_batch_size": mini_batch_size, "cost": cost, "l2": l2, "hidden": hidden}
    slow = train_toy(5, use_fast=False, **kw)
    quick = train_toy(5, use_fast=True, **kw)
    for name, p in slow.parameters().items():
        np.testing.assert_allclose(quick.parameters()[name], p, rtol=1e-7, atol=1e-9, err_msg=name)


@pytest.mark.skipif(not fast.available(), reason="numba not installed")
def test_fast_path_float32_is_deterministic_and_close():
    a = train_toy(5, use_fast=True, dtype=np.float32)
    b = train_toy(5, use_fast=True, dtype=np.float32)
    ref = train_toy(5, use_fast=False, dtype=np.float64)
    for name, p in a.parameters().items():
        assert p.dtype == np.float32
        np.testing.assert_array_equal(p, b.parameters()[name])
        np.testing.assert_allclose(p, ref.parameters()[name], atol=1e-4)


def test_network_book_interface_with_book_style_data(capsys):
    x, labels = toy_data(200)
    eye = np.eye(10)
    training_data = [
        (xi.reshape(-1, 1), eye[k].reshape(-1, 1)) for xi, k in zip(x, labels, strict=True)
    ]
    test_data = [(xi.reshape(-1, 1), int(k)) for xi, k in zip(x[:50], labels[:50], strict=True)]
    net = Network([20, 8, 10], seed=0)
    scores = net.SGD(training_data, 2, 10, 3.0, test_data=test_data)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Epoch {j}: {scores[j]} / 50" for j in range(2)]
    assert net.feedforward(x[0].reshape(-1, 1)).shape == (10, 1)
    assert net.feedforward(x[:3]).shape == (3, 10)
    assert [w.shape for w in net.weights] == [(8, 20), (10, 8)]
    assert net.evaluate(test_data) == scores[-1]


def test_keep_best_ends_with_the_best_validation_epoch():
    x, labels = toy_data()
    validation = (x[:200], labels[:200])

    def run(keep_best: bool, snapshots: list):
        rng = np.random.default_rng(2)
        model = build(ModelSpec.from_sizes([20, 7, 10]), rng, np.float64)

        def snap(record):
            snapshots.append({k: v.copy() for k, v in model.parameters().items()})

        history = fit(
            model,
            losses.get("quadratic"),
            x[200:],
            labels[200:],
            TrainConfig(epochs=6, keep="best" if keep_best else "last", monitor_training=False),
            rng,
            validation=validation,
            on_epoch=snap,
            progress=False,
        )
        return model, history

    snapshots: list = []
    model, history = run(True, snapshots)
    best = history.best()
    assert history.kept_epoch == best.epoch
    assert best.correct == max(e.correct for e in history.epochs)
    for name, p in model.parameters().items():
        np.testing.assert_array_equal(p, snapshots[best.epoch][name])
    last_model, last_history = run(False, [])
    assert last_history.kept_epoch == 5
    np.testing.assert_array_equal(last_model.parameters()["0.weight"], snapshots[5]["0.weight"])


@pytest.mark.skipif(not fast.available(), reason="numba not installed")
@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_measures_the_training_set_as_the_engine_does(cost, dtype):
    from digitnet.nn.optim import SGD
    from digitnet.train import measure

    x, labels = toy_data()
    model = build(ModelSpec.from_sizes([20, 7, 10], cost=cost), np.random.default_rng(1), dtype)
    loss = losses.get(cost)
    runner = fast.FastSGD(
        model, x, labels, loss, SGD(model.param_grad_pairs(), 3.0, l2=2.0, n_train=len(x))
    )
    runner.run(np.random.default_rng(0).permutation(len(x)), 0, len(x), 10)  # w1_scale != 1
    value, right = runner.measure()  # with the decay still held apart in w1_scale
    runner.sync()
    expected_value, expected_right = measure(model, loss, x, labels)
    assert right == expected_right
    assert value == pytest.approx(expected_value, rel=1e-5 if dtype == np.float32 else 1e-10)
