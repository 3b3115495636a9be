"""Chapter 1's exercise: ten output activations to a 4-bit binary code."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.lab import binary


def test_the_weights_are_the_bits_of_each_digit():
    w, b = binary.binary_layer()
    assert w.shape == (4, 10) and b.shape == (4,)
    for digit in range(10):
        code = [(digit >> k) & 1 for k in (3, 2, 1, 0)]
        assert list(w[:, digit] > 0) == [bool(c) for c in code]


def test_the_ten_worst_case_inputs_give_each_digits_code():
    bits = binary.bit_outputs(binary.worst_case_inputs())
    assert list(binary.decode(bits)) == list(range(10))
    assert np.abs(bits - bits.round()).max() < 2e-4  # |z| >= 9: σ within 1.3e-4 of a bit
    exact = binary.bit_outputs(np.eye(10))
    assert list(binary.decode(exact)) == list(range(10))


def test_any_activations_meeting_the_conditions_decode_right():
    rng = np.random.default_rng(0)
    n = 20_000
    digits = rng.integers(0, 10, n)
    a = rng.uniform(0, binary.UNSURE, (n, 10))
    a[np.arange(n), digits] = rng.uniform(binary.SURE, 1.0, n)
    assert binary.conditions_hold(a).all()
    assert (binary.decode(binary.bit_outputs(a)) == digits).all()


def test_conditions_hold_checks_both_bounds():
    a = binary.worst_case_inputs()
    assert binary.conditions_hold(a).all()
    low = a.copy()
    low[3, 3] = 0.98
    high = a.copy()
    high[3, 5] = 0.02
    assert not binary.conditions_hold(low)[3] and not binary.conditions_hold(high)[3]


def test_on_the_shipped_reader_over_the_mnist_test_set(data_dir):
    from digitnet.data import load
    from digitnet.vision.read import load_reader

    images, _ = load("mnist", "test", data_dir, allow_download=False)
    activations = binary.model_activations(load_reader().model, images)
    result = binary.on_model(activations)
    assert result["images"] == 10_000
    assert result["conditions_hold"] > 8_000  # a confident model: most images qualify
    assert result["agree_where_held"] == result["conditions_hold"]
    assert "conditions hold for" in binary.report(result, "the shipped reader")


def test_a_model_with_linear_outputs_is_refused():
    from digitnet.config import ModelSpec
    from digitnet.errors import DigitnetError
    from digitnet.nn import build

    model = build(ModelSpec.from_sizes([784, 10], activation="linear"), np.random.default_rng(0))
    with pytest.raises(DigitnetError, match="sigmoid or softmax"):
        binary.model_activations(model, np.zeros((2, 28, 28), np.uint8))


def test_a_softmax_folded_by_a_free_linear_layer_is_refused():
    from digitnet.config import ModelSpec
    from digitnet.nn import build
    from digitnet.nn.model import folded_softmax

    spec = ModelSpec.from_dict(
        {
            "input_size": 784,
            "layers": [
                {"type": "dense", "units": 11, "activation": "softmax"},
                {"type": "dense", "units": 10, "activation": "linear"},
            ],
        }
    )
    model = build(spec, np.random.default_rng(0))  # random weights: not probabilities
    assert not folded_softmax(model)
    model.layers[-2].weight[...] = np.hstack([np.eye(10), np.full((10, 1), 0.1)])
    model.layers[-2].bias[...] = 0
    assert folded_softmax(model)  # the readers' fold
