"""Ensemble: several networks read as the mean of their outputs."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.config import ModelSpec
from digitnet.nn import build
from digitnet.nn.ensemble import Ensemble

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
    # other patches (a 5×5 kernel), or one network alone: each reads its own inputs
    mixed = [nets[0], build(cnn_spec(5, 4), np.random.default_rng(1))]
    assert Ensemble(mixed).shared_first_layer() is None
    assert Ensemble(nets[:1]).shared_first_layer() is None
    mean = sum(n.predict_proba(x).astype(np.float64) for n in mixed) / 2
    np.testing.assert_allclose(Ensemble(mixed).predict_proba(x), mean, rtol=1e-6)
