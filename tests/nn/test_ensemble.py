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
