"""Conv2D, MaxPool2D, Flatten: against direct definitions and central differences."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numerical_grad, relative_error

from digitnet.config import ModelSpec
from digitnet.nn import build, losses
from digitnet.nn.conv import Conv2D, Flatten, MaxPool2D, col2im, im2col

TOL = 1e-6


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def direct_convolution(x, w, b, pad):
    """The definition, four loops deep: out[n,f,i,j] = b[f] + Σ w[f,c,u,v] x[n,c,i+u,j+v]."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _c, h, wd = x.shape
    f, _, k, _ = w.shape
    out = np.zeros((n, f, h - k + 1, wd - k + 1))
    for i in range(h - k + 1):
        for j in range(wd - k + 1):
            patch = x[:, :, i : i + k, j : j + k]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_forward_is_the_convolution(rng, padding):
    w, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    x = rng.standard_normal((2, 3, 7, 6))
    y = Conv2D(w, b, padding).forward(x)
    expected = direct_convolution(x, w, b, 1 if padding == "same" else 0)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert y.shape == ((2, 4, 7, 6) if padding == "same" else (2, 4, 5, 4))


def test_col2im_is_the_adjoint_of_im2col(rng):
    x = rng.standard_normal((2, 3, 6, 5))
    cols = rng.standard_normal(im2col(x, 3, 2).shape)
    # <im2col(x), cols> == <x, col2im(cols)>
    assert np.sum(im2col(x, 3, 2) * cols) == pytest.approx(np.sum(x * col2im(cols, x.shape, 3, 2)))


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_gradients(rng, padding):
    layer = Conv2D(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3), padding)
    x = rng.standard_normal((2, 2, 6, 5))
    r = rng.standard_normal(layer.forward(x).shape)

    def cost() -> float:
        return float(np.sum(r * layer.forward(x)))

    layer.forward(x)
    grad_x = layer.backward(r)
    assert relative_error(grad_x, numerical_grad(cost, x)) < TOL
    assert relative_error(layer.grad_weight, numerical_grad(cost, layer.weight)) < TOL
    assert relative_error(layer.grad_bias, numerical_grad(cost, layer.bias)) < TOL


def test_maxpool_forward_and_gradient(rng):
    layer = MaxPool2D(2)
    x = rng.standard_normal((2, 3, 5, 4))  # the odd last row is dropped
    y = layer.forward(x)
    assert y.shape == (2, 3, 2, 2)
    np.testing.assert_array_equal(y[1, 2, 1, 0], x[1, 2, 2:4, 0:2].max())
    r = rng.standard_normal(y.shape)
    layer.forward(x)
    grad = layer.backward(r)
    assert (
        relative_error(grad, numerical_grad(lambda: float(np.sum(r * layer.forward(x))), x)) < TOL
    )
    assert np.count_nonzero(grad) == y.size  # one winner per block


def test_flatten_round_trip(rng):
    layer = Flatten()
    x = rng.standard_normal((2, 3, 4, 5))
    assert layer.forward(x).shape == (2, 60)
    np.testing.assert_array_equal(layer.backward(layer.forward(x)), x)


def test_small_cnn_gradients_through_the_training_path(rng):
    spec = ModelSpec(
        input_size=64,
        input_shape=[1, 8, 8],
        cost="log-likelihood",
        init="he",
        layers=[
            {"type": "conv2d", "filters": 3, "kernel": 3, "padding": "same", "activation": "tanh"},
            {"type": "maxpool2d", "size": 2},
            {"type": "conv2d", "filters": 2, "kernel": 3, "activation": "elu"},
            {"type": "dense", "units": 5, "activation": "sigmoid"},
            {"type": "dense", "units": 3, "activation": "softmax"},
        ],
    )
    model = build(spec, rng, np.float64)
    for p in model.parameters().values():
        p += rng.standard_normal(p.shape) * 0.1
    cost = losses.get(spec.cost)
    x = rng.standard_normal((4, 64))  # flat inputs, reshaped by the model to (4, 1, 8, 8)
    y = np.eye(3)[rng.integers(0, 3, 4)]
    losses.loss_and_backward(model, cost, x, y)
    grads = {k: v.copy() for k, v in model.gradients().items()}
    assert set(grads) == {
        "0.weight",
        "0.bias",
        "3.weight",
        "3.bias",
        "6.weight",
        "6.bias",
        "8.weight",
        "8.bias",
    }
    for name, p in model.parameters().items():
        numeric = numerical_grad(lambda: losses.loss_and_backward(model, cost, x, y), p)
        assert relative_error(grads[name], numeric) < TOL, name


def test_reading_pools_before_the_relu_and_gets_the_same_outputs(mnist):
    from digitnet.vision.read import load_reader

    model = load_reader().model  # conv, ReLU, max-pool, ...
    x = mnist["test"][0][:64].reshape(64, 784).astype(np.float32) / 255
    assert np.array_equal(model.infer(x), model.forward(x))
    batched = np.concatenate([model.forward(x[i : i + 16]) for i in range(0, 64, 16)])
    assert np.array_equal(model.predict_proba(x, batch_size=16), batched)
