"""Training a convolutional network faster: each convolution, its activation and its
max-pooling as one step.

The book's chapter 6 networks train at mini-batch 10, where the layer-by-layer engine
spends most of its time between the matrix products: a bias added to every convolution
output, then an activation, then the pooling, each a pass over arrays four times the
size of what survives the pooling, each with its own temporaries. :class:`ConvActPool`
does the same arithmetic in the order that leaves the least work: pool the convolution's
outputs z first, then add the bias and apply the activation to the quarter that is left
(f(max z + b) = max f(z + b) for ReLU and σ, which never reverse an order). Its work
arrays are kept from step to step.

:func:`fused` gives a training view of a model: a Sequential whose layers share the
model's parameter and gradient arrays, with each Conv2D-activation-MaxPool2D run replaced
by one ConvActPool, and each Conv2D-activation run with no pooling after it by one with
a 1×1 pool (the activation applied in the same pass as the bias, and its derivative in
the pass that sums the bias's gradient). The optimiser, built on the model, steps the
same arrays. It needs
numba (the loops in :mod:`digitnet.nn.conv_kernels`); without it, training uses the
model's own layers.
"""

from __future__ import annotations

import numpy as np

from digitnet.nn.activations import ReLU, Sigmoid
from digitnet.nn.conv import Conv2D, MaxPool2D, channels_last, kernel_matrix, work_array
from digitnet.nn.conv_kernels import kernels
from digitnet.nn.layers import Layer
from digitnet.nn.model import Sequential

ACTIVATIONS = {None: 0, ReLU: 1, Sigmoid: 2}  # the codes of conv_kernels.pool_activate


class ConvActPool(Layer):
    """Conv2D (padding "valid") → activation (ReLU, sigmoid or none) → MaxPool2D, as one
    layer on the conv layer's own weight, bias and gradient arrays; ``pool`` None: no
    pooling (a 1×1 pool), Conv2D → activation.

    Input (N, C, H, W); output (N, F, Hp, Wp), Hp = (H − kh + 1) // size, channels-last in
    memory as the engine's layers give it. Backward fills the conv layer's gradients and
    returns ∂C/∂x (N, C, H, W), or None when ``input_grad`` is False.
    """

    def __init__(self, conv: Conv2D, act: Layer | None, pool: MaxPool2D | None) -> None:
        self.conv, self.size = conv, pool.size if pool is not None else 1
        self.kind = ACTIVATIONS[type(act) if act is not None else None]
        self.input_grad = conv.input_grad
        self.fast = kernels()
        self._kept: dict[str, np.ndarray] = {}

    def kept(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A work array kept between steps (remade when the mini-batch size changes)."""
        return work_array(self._kept, name, shape, dtype)

    def release(self) -> None:
        self._kept.clear()

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        f, _, kh, kw = self.conv.weight.shape
        x = np.ascontiguousarray(channels_last(x))  # (N, H, W, C): a view when it already is
        n, h, w, c = x.shape
        ho, wo, s = h - kh + 1, w - kw + 1, self.size
        self.x_shape = x.shape
        cols = self.kept("cols", (n * ho * wo, kh * kw * c), x.dtype)
        self.fast.im2col(x, kh, kw, cols)
        self.matrix = kernel_matrix(self.conv.weight)  # (F, kh·kw·C), kept for BP2
        z = self.kept("z", (n * ho * wo, f), x.dtype)
        np.matmul(cols, self.matrix.T, out=z)
        a = self.kept("a", (n, ho // s, wo // s, f), x.dtype)
        self.winner = self.kept("winner", a.shape, np.uint8)
        self.fast.pool_activate(
            z.reshape(n, ho, wo, f), self.conv.bias, s, self.kind, a, self.winner
        )
        self.a, self.cols = a, cols
        return a.transpose(0, 3, 1, 2)

    def backward(self, grad_y: np.ndarray) -> np.ndarray | None:
        conv, fast = self.conv, self.fast
        f, c, kh, kw = conv.weight.shape
        n, h, w, _ = self.x_shape
        grad_z = self.kept("grad_z", (len(self.cols), f), grad_y.dtype)
        shaped = grad_z.reshape(n, h - kh + 1, w - kw + 1, f)
        fast.pool_activate_back(
            channels_last(grad_y), self.a, self.winner, self.size, self.kind, shaped, conv.grad_bias
        )
        grad_w = self.kept("grad_w", (f, kh * kw * c), grad_y.dtype)
        np.matmul(grad_z.T, self.cols, out=grad_w)  # BP4 for every position at once
        conv.grad_weight[...] = grad_w.reshape(f, kh, kw, c).transpose(0, 3, 1, 2)
        if not self.input_grad:
            return None
        grad_cols = self.kept("grad_cols", self.cols.shape, grad_y.dtype)
        np.matmul(grad_z, self.matrix, out=grad_cols)  # BP2, then each patch back in place
        return fast.col2im(grad_cols, n, h, w, kh, kw).transpose(0, 3, 1, 2)

    def params(self) -> dict[str, np.ndarray]:
        return self.conv.params()

    def grads(self) -> dict[str, np.ndarray]:
        return self.conv.grads()


def fusible(layers: list[Layer], i: int) -> int:
    """How many layers from ``i`` one ConvActPool replaces (3 or 2), or 0."""
    here = layers[i]
    if not isinstance(here, Conv2D) or here.padding != "valid":
        return 0
    rest = layers[i + 1 : i + 3]
    if rest and isinstance(rest[0], MaxPool2D):
        return 2
    if rest and type(rest[0]) in ACTIVATIONS:  # conv, activation, and a pool or not
        return 3 if len(rest) == 2 and isinstance(rest[1], MaxPool2D) else 2
    return 0


def fused(model: Sequential) -> Sequential | None:
    """A training view of ``model`` with its conv-activation-pool runs fused, sharing the
    model's arrays; None when there is nothing to fuse or numba is missing."""
    if kernels() is None:
        return None
    layers, out, i = model.layers, [], 0
    while i < len(layers):
        span = fusible(layers, i)
        if span:
            after = layers[i + 1 : i + span]  # (pool), (activation,) or (activation, pool)
            act = next((a for a in after if not isinstance(a, MaxPool2D)), None)
            pool = next((a for a in after if isinstance(a, MaxPool2D)), None)
            out.append(ConvActPool(layers[i], act, pool))
            i += span
        else:
            out.append(layers[i])
            i += 1
    if len(out) == len(layers):
        return None
    return Sequential(out, model.dtype, model.input_shape)
