"""The TF-Playground-like experiment: features make circle and XOR easy."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.errors import DigitnetError
from digitnet.lab import playground
from digitnet.lab.playground import Setup, train


def test_circle_with_squared_features_reaches_95_percent():
    out = train(Setup(dataset="circle", features=["x1^2", "x2^2"], hidden=[]))
    assert out.test_accuracy >= 0.95


def test_xor_with_the_product_feature_reaches_95_percent():
    out = train(Setup(dataset="xor", features=["x1x2"], hidden=[]))
    assert out.test_accuracy >= 0.95


def test_xor_from_x1_x2_needs_a_hidden_layer():
    linear = train(Setup(dataset="xor", features=["x1", "x2"], hidden=[], epochs=60))
    hidden = train(Setup(dataset="xor", features=["x1", "x2"], hidden=[4, 2], epochs=150))
    assert linear.test_accuracy < 0.8  # no straight line separates XOR
    assert hidden.test_accuracy >= 0.95


def test_same_seed_same_result():
    a = train(Setup(dataset="gauss", hidden=[2], epochs=20, seed=3))
    b = train(Setup(dataset="gauss", hidden=[2], epochs=20, seed=3))
    assert a.curve == b.curve and a.test_accuracy == b.test_accuracy


@pytest.mark.parametrize("name", list(playground.DATASETS))
def test_datasets_are_balanced_and_in_the_window(name):
    points, labels = playground.make_data(name, 400, 0.1, np.random.default_rng(0))
    assert points.shape == (400, 2) and labels.shape == (400,)
    assert set(labels) == {0, 1} and abs(labels.mean() - 0.5) < 0.05
    assert np.abs(points).max() < playground.RANGE


def test_regularisation_and_every_activation_run():
    for act in playground.ACTIVATIONS:
        out = train(Setup(dataset="gauss", hidden=[3], activation=act, epochs=5,
                          regularization="l2", reg_rate=0.01))  # fmt: skip
        assert 0 <= out.test_accuracy <= 1 and len(out.curve) == 5


def test_bad_settings_are_one_clear_error():
    with pytest.raises(DigitnetError, match="unknown feature"):
        train(Setup(features=["x3"]))
    with pytest.raises(DigitnetError, match="unknown dataset"):
        train(Setup(dataset="moons"))


def test_ascii_map_shows_regions_and_points():
    out = train(Setup(dataset="circle", features=["x1^2", "x2^2"], hidden=[], epochs=30))
    text = playground.ascii_map(out, 40, 16)
    rows = text.splitlines()
    assert len(rows) == 18 and all(len(r) == 42 for r in rows)
    assert "·" in text and "o" in text and "x" in text
