"""Inference through narrow_dense and the in-place sigmoid equals the engine's forward pass."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.config import ModelSpec
from digitnet.nn import build, fast, narrow_dense
from digitnet.nn import functional as F
from digitnet.nn.layers import Dense, Maxout

needs_numba = pytest.mark.skipif(not fast.available(), reason="numba not installed")


def layer(n_in: int, n_out: int, dtype, seed: int = 0) -> Dense:
    rng = np.random.default_rng(seed)
    return Dense(
        rng.standard_normal((n_out, n_in)).astype(dtype), rng.standard_normal(n_out).astype(dtype)
    )


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("n_in", "n_out"), [(784, 30), (128, 10), (200, 33), (300, 64)])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 2049, 2500])
def test_forward_is_x_w_transposed_plus_b(dtype, n_in, n_out, n):
    dense = layer(n_in, n_out, dtype)
    rng = np.random.default_rng(1)
    x = rng.random((n, n_in)).astype(dtype)
    x[x < 0.7] = 0  # mostly zeros, like images
    z = narrow_dense.forward(dense, x)
    assert z.shape == (n, n_out) and z.dtype == dtype
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(z, x @ dense.weight.T + dense.bias, rtol=tol, atol=tol)


@needs_numba
def test_forward_takes_a_strided_input():
    dense = layer(256, 20, np.float32)
    x = np.random.default_rng(2).random((60, 512)).astype(np.float32)[:, ::2]
    np.testing.assert_allclose(
        narrow_dense.forward(dense, x), dense.forward(x), rtol=1e-4, atol=1e-4
    )


def test_other_layers_and_inputs_are_left_to_the_engine():
    x = np.zeros((4, 784), np.float32)
    assert not narrow_dense.applies(layer(784, 65, np.float32), x)  # too many outputs
    assert not narrow_dense.applies(layer(100, 10, np.float32), x[:, :100])  # too few inputs
    assert not narrow_dense.applies(layer(784, 10, np.float64), x)  # another dtype
    assert not narrow_dense.applies(layer(784, 10, np.float16), x.astype(np.float16))
    w = np.zeros((20, 784), np.float32)
    assert not narrow_dense.applies(Maxout(w, np.zeros(20, np.float32), pieces=2), x)
    assert narrow_dense.forward(layer(784, 65, np.float32), x) is None


def test_sigmoid_in_place_matches_sigmoid():
    z = np.array([-1000, -89, -20, -1, 0, 1, 20, 89, 1000, np.inf, -np.inf], np.float32)
    z = np.concatenate([z, np.random.default_rng(3).standard_normal(1000).astype(np.float32) * 8])
    expected = F.sigmoid(z)
    out = F.sigmoid_in_place(z)
    assert out is z
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)
    assert np.isnan(F.sigmoid_in_place(np.array([np.nan], np.float32))[0])


@pytest.mark.parametrize("sizes", [[784, 30, 10], [784, 100, 30, 10]])
def test_infer_equals_forward_and_leaves_the_input_alone(sizes):
    model = build(ModelSpec.from_sizes(sizes), np.random.default_rng(0), np.float32)
    x = np.random.default_rng(4).random((3000, 784)).astype(np.float32)
    x[x < 0.8] = 0
    before = x.copy()
    np.testing.assert_allclose(model.predict_proba(x), model.forward(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(x, before)
