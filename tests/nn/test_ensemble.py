"""Ensemble: several networks read as the mean of their outputs."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.config import ModelSpec
from digitnet.nn import build
from digitnet.nn.ensemble import SHARED_CHUNK, Ensemble

SPEC = ModelSpec.from_dict(
    {
        "input_size": 6,
        "cost": "log-likelihood",
        "layers": [{"type": "dense", "units": 3, "activation": "softmax"}],
    }
)


def test_the_mean_of_the_outputs_and_its_argmax():
    nets = [build(SPEC, np.random.default_rng(seed)) for seed in range(3)]
    x = np.random.default_rng(9).normal(size=(5, 6)).astype(np.float32)
    together = Ensemble(nets)
    mean = sum(n.predict_proba(x).astype(np.float64) for n in nets) / 3
    assert np.allclose(together.predict_proba(x), mean)
    assert np.array_equal(together.predict(x), mean.argmax(axis=1))
    assert together.n_out == 3
    alone = Ensemble(nets[:1])
    assert np.allclose(alone.predict_proba(x), nets[0].predict_proba(x))


def test_networks_that_do_not_match_are_refused():
    other = SPEC.from_dict({**SPEC.to_dict(), "layers": [{"type": "dense", "units": 4}]})
    with pytest.raises(ValueError, match="same outputs"):
        Ensemble([build(SPEC, np.random.default_rng(0)), build(other, np.random.default_rng(0))])
    with pytest.raises(ValueError, match="at least one"):
        Ensemble([])


def cnn_spec(kernel: int, filters: int) -> ModelSpec:
    return ModelSpec.from_dict(
        {
            "input_size": 144,
            "input_shape": [1, 12, 12],
            "cost": "log-likelihood",
            "layers": [
                {"type": "conv2d", "filters": filters, "kernel": kernel, "activation": "relu"},
                {"type": "maxpool2d", "size": 2},
                {"type": "flatten"},
                {"type": "dense", "units": 4, "activation": "softmax"},
            ],
        }
    )


def test_convolutional_networks_share_their_first_layers_patches():
    nets = [build(cnn_spec(3, f), np.random.default_rng(f)) for f in (4, 6, 5)]
    x = np.random.default_rng(9).random((7, 144)).astype(np.float32)
    together = Ensemble(nets)
    first = together.shared_first_layer()
    assert first is not None and first.weight.shape == (15, 1, 3, 3)  # 4 + 6 + 5 kernels
    mean = sum(n.predict_proba(x).astype(np.float64) for n in nets) / 3
    np.testing.assert_allclose(together.predict_proba(x), mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(together.predict_proba(x, batch_size=3), mean, rtol=1e-5, atol=1e-7)
    assert together.predict_proba(x[:0]).shape == (0, 4)
    # other patches (a 5×5 kernel): each reads its own inputs
    mixed = [nets[0], build(cnn_spec(5, 4), np.random.default_rng(1))]
    assert Ensemble(mixed).shared_first_layer() is None
    alone = Ensemble(nets[:1])
    np.testing.assert_allclose(alone.predict_proba(x), nets[0].predict_proba(x), rtol=1e-6)
    mean = sum(n.predict_proba(x).astype(np.float64) for n in mixed) / 2
    np.testing.assert_allclose(Ensemble(mixed).predict_proba(x), mean, rtol=1e-6)


def test_more_inputs_than_a_chunk_read_the_same_as_one_at_a_time():
    nets = [build(cnn_spec(3, f), np.random.default_rng(f)) for f in (4, 6)]
    x = np.random.default_rng(3).random((3 * SHARED_CHUNK + 5, 144)).astype(np.float32)
    together = Ensemble(nets)
    one_by_one = np.concatenate([together.predict_proba(x[i : i + 1]) for i in range(len(x))])
    np.testing.assert_allclose(together.predict_proba(x), one_by_one, rtol=1e-5, atol=1e-7)


def test_a_screen_asks_the_other_networks_only_what_it_passes_on():
    nets = [build(cnn_spec(3, f), np.random.default_rng(f)) for f in (4, 6, 5)]
    x = np.random.default_rng(9).random((9, 144)).astype(np.float32)
    first = nets[0].predict_proba(x).astype(np.float64)
    ask = first[:, 0] < np.median(first[:, 0])  # some inputs passed on, some not
    assert 0 < ask.sum() < len(x)
    asked = []

    def screen(probs: np.ndarray) -> np.ndarray:
        asked.append(probs)
        return probs[:, 0] < np.median(probs[:, 0])

    screened = Ensemble(nets, screen=screen).predict_proba(x)
    np.testing.assert_allclose(asked[0], first, rtol=1e-5, atol=1e-7)
    mean = sum(n.predict_proba(x).astype(np.float64) for n in nets) / 3
    np.testing.assert_allclose(screened[ask], mean[ask], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(screened[~ask], first[~ask], rtol=1e-5, atol=1e-7)
    nobody = Ensemble(nets, screen=lambda p: np.zeros(len(p), bool)).predict_proba(x)
    np.testing.assert_allclose(nobody, first, rtol=1e-5, atol=1e-7)
