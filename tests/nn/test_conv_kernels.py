"""The compiled conv loops do what their NumPy definitions do, and layers give the same
numbers with them, without them, and with work arrays kept between steps."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.nn import conv
from digitnet.nn.conv import Conv2D, MaxPool2D, channels_last, col2im, im2col
from digitnet.nn.conv_kernels import kernels

fast = kernels()
needs_numba = pytest.mark.skipif(fast is None, reason="numba is not installed")


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "kh", "kw"), [((3, 5, 9, 7), 3, 2), ((2, 1, 6, 6), 5, 5)])
def test_compiled_col2im_is_col2im(rng, dtype, shape, kh, kw):
    n, c, h, w = shape
    cols = rng.standard_normal(((h - kh + 1) * (w - kw + 1) * n, kh * kw * c)).astype(dtype)
    ours = fast.col2im(cols, n, h, w, kh, kw).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(ours, col2im(cols, shape, kh, kw), rtol=1e-6, atol=1e-6)


@needs_numba
@pytest.mark.parametrize("size", [2, 3])
def test_compiled_pooling_is_the_numpy_pooling(rng, size, monkeypatch):
    x = rng.integers(0, 3, (4, 3, 8, 7)).astype(np.float32)  # small integers: many ties
    grad = rng.standard_normal((4, 3, 8 // size, 7 // size)).astype(np.float32)
    compiled, plain = MaxPool2D(size), MaxPool2D(size)
    y1, g1 = compiled.forward(x), compiled.backward(grad)
    monkeypatch.setattr(conv, "kernels", lambda: None)
    y2, g2 = plain.forward(x), plain.backward(grad)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(compiled.winner, plain.winner)


def test_a_tie_sends_the_gradient_to_the_first_position():
    layer = MaxPool2D(2)
    x = np.array([[[[1.0, 2.0], [2.0, 0.0]]]], np.float32)
    assert layer.forward(x)[0, 0, 0, 0] == 2.0
    grad = layer.backward(np.ones((1, 1, 1, 1), np.float32))
    np.testing.assert_array_equal(grad[0, 0], [[0, 1], [0, 0]])


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_gives_the_same_numbers_with_kept_work_arrays_and_any_layout(rng, padding):
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    kept, fresh = Conv2D(w, b, padding), Conv2D(w.copy(), b.copy(), padding)
    for n in (5, 2, 5):  # a shorter mini-batch between two full ones
        x = rng.standard_normal((n, 3, 7, 6))
        grad = rng.standard_normal((n, *kept.output_shape((3, 7, 6))))
        y1, g1 = kept.forward(x, train=True), kept.backward(grad)
        x_last = np.ascontiguousarray(channels_last(x)).transpose(0, 3, 1, 2)  # other layout
        fresh._scratch.clear()
        y2, g2 = fresh.forward(x_last, train=True), fresh.backward(grad)
        np.testing.assert_allclose(y1, y2, rtol=1e-12)
        np.testing.assert_allclose(g1, g2, rtol=1e-12)
        np.testing.assert_allclose(kept.grad_weight, fresh.grad_weight, rtol=1e-12)
    kept.release()
    assert not kept._scratch


def test_im2col_into_an_array_is_im2col(rng):
    x = rng.standard_normal((2, 3, 6, 5))
    out = np.empty_like(im2col(x, 3, 2))
    assert im2col(x, 3, 2, out) is out
    np.testing.assert_array_equal(out, im2col(x, 3, 2))


def test_conv_backward_is_the_same_without_numba(rng, monkeypatch):
    w, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    x, grad = rng.standard_normal((3, 3, 7, 6)), rng.standard_normal((3, 4, 7, 6))
    with_numba = Conv2D(w, b, "same")
    with_numba.forward(x, train=True)
    expected = with_numba.backward(grad)
    monkeypatch.setattr(conv, "kernels", lambda: None)
    plain = Conv2D(w, b, "same")
    plain.forward(x, train=True)
    np.testing.assert_allclose(plain.backward(grad), expected, rtol=1e-12)
