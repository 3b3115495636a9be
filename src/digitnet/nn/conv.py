"""Convolution, max-pooling and flattening layers (chapter 6), batched over (N, C, H, W).

Conv2D turns convolution into one matrix product (im2col): every k×k patch of the
input becomes a row of a matrix, so the layer is a Dense layer applied to patches. The
patches are a strided *view* of the input (numpy's sliding_window_view), copied once
into the matrix. Backward is the same product transposed, and col2im adds each patch's
gradient back onto the input, one kernel offset at a time (k² slice additions).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from digitnet.nn.layers import Layer


def im2col(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Patches of x (N, C, H, W) as rows: (N * Ho * Wo, C * kh * kw), Ho = H − kh + 1."""
    n, c, h, w = x.shape
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, Ho, Wo, kh, kw)
    ho, wo = h - kh + 1, w - kw + 1
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)


def col2im(cols: np.ndarray, shape: tuple[int, int, int, int], kh: int, kw: int) -> np.ndarray:
    """The adjoint of im2col: add each row's values back where its patch came from."""
    n, c, h, w = shape
    ho, wo = h - kh + 1, w - kw + 1
    patches = cols.reshape(n, ho, wo, c, kh, kw)
    out = np.zeros(shape, cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i : i + ho, j : j + wo] += patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return out


class Conv2D(Layer):
    """Convolution with stride 1: weight (F, C, kh, kw), bias (F,).

    Input (N, C, H, W); output (N, F, H', W') with H' = H − kh + 1 for padding "valid"
    and H' = H for "same" (kernel sizes odd, zeros around the border).
    """

    def __init__(self, weight: np.ndarray, bias: np.ndarray, padding: str = "valid") -> None:
        if weight.ndim != 4 or bias.shape != (weight.shape[0],):
            raise ValueError(f"Conv2D: weight {weight.shape} and bias {bias.shape} do not fit")
        if padding not in ("valid", "same"):
            raise ValueError(f"Conv2D: padding must be 'valid' or 'same', not {padding!r}")
        if padding == "same" and (weight.shape[2] % 2 == 0 or weight.shape[3] % 2 == 0):
            raise ValueError("Conv2D: padding 'same' needs an odd kernel size")
        self.weight, self.bias, self.padding = weight, bias, padding
        self.grad_weight = np.zeros_like(weight)
        self.grad_bias = np.zeros_like(bias)
        self.input_grad = True

    @property
    def pad(self) -> tuple[int, int]:
        kh, kw = self.weight.shape[2:]
        return (kh // 2, kw // 2) if self.padding == "same" else (0, 0)

    def output_shape(self, shape: tuple[int, int, int]) -> tuple[int, int, int]:
        """(F, H', W') for an input of (C, H, W)."""
        _, h, w = shape
        (ph, pw), (kh, kw) = self.pad, self.weight.shape[2:]
        return self.weight.shape[0], h + 2 * ph - kh + 1, w + 2 * pw - kw + 1

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        ph, pw = self.pad
        if ph or pw:
            x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        f, _, kh, kw = self.weight.shape
        self.x_shape = x.shape
        self.cols = im2col(x, kh, kw)  # (N·Ho·Wo, C·kh·kw)
        z = self.cols @ self.weight.reshape(f, -1).T
        z += self.bias
        n, _, h, w = x.shape
        return z.reshape(n, h - kh + 1, w - kw + 1, f).transpose(0, 3, 1, 2)

    def backward(self, grad_y: np.ndarray) -> np.ndarray | None:
        f, _, kh, kw = self.weight.shape
        delta = grad_y.transpose(0, 2, 3, 1).reshape(-1, f)  # one row per output position
        self.grad_bias[...] = delta.sum(axis=0)  # BP3, summed over positions
        self.grad_weight[...] = (delta.T @ self.cols).reshape(self.weight.shape)  # BP4
        if not self.input_grad:
            return None
        grad_x = col2im(delta @ self.weight.reshape(f, -1), self.x_shape, kh, kw)  # BP2
        ph, pw = self.pad
        return grad_x[:, :, ph : grad_x.shape[2] - ph, pw : grad_x.shape[3] - pw]

    def params(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight, "bias": self.bias}

    def grads(self) -> dict[str, np.ndarray]:
        return {"weight": self.grad_weight, "bias": self.grad_bias}


class MaxPool2D(Layer):
    """Max over non-overlapping size×size blocks: (N, C, H, W) -> (N, C, H//size, W//size).

    Rows and columns that do not fill a block are dropped. Backward sends each block's
    gradient to the position that won (the first, if several tie).
    """

    def __init__(self, size: int = 2) -> None:
        self.size = size

    def output_shape(self, shape: tuple[int, int, int]) -> tuple[int, int, int]:
        c, h, w = shape
        return c, h // self.size, w // self.size

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        s = self.size
        n, c, h, w = x.shape
        ho, wo = h // s, w // s
        self.x_shape = x.shape
        blocks = x[:, :, : ho * s, : wo * s].reshape(n, c, ho, s, wo, s)
        blocks = blocks.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, ho, wo, s * s)
        self.winner = blocks.argmax(axis=4)
        return np.take_along_axis(blocks, self.winner[..., None], axis=4)[..., 0]

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        s = self.size
        n, c, h, w = self.x_shape
        ho, wo = h // s, w // s
        blocks = np.zeros((n, c, ho, wo, s * s), grad_y.dtype)
        np.put_along_axis(blocks, self.winner[..., None], grad_y[..., None], axis=4)
        grad = blocks.reshape(n, c, ho, wo, s, s).transpose(0, 1, 2, 4, 3, 5)
        out = np.zeros(self.x_shape, grad_y.dtype)
        out[:, :, : ho * s, : wo * s] = grad.reshape(n, c, ho * s, wo * s)
        return out


class Flatten(Layer):
    """(N, C, H, W) -> (N, C·H·W), and back for the gradient."""

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y.reshape(self.x_shape)
