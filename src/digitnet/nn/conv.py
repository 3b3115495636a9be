"""Convolution, max-pooling and flattening layers (chapter 6), batched over (N, C, H, W).

Conv2D turns convolution into one matrix product (im2col): every k×k patch of the
input becomes a row of a matrix, so the layer is a Dense layer applied to patches. The
patches are a strided *view* of the input (numpy's sliding_window_view), copied once
into the matrix. Backward is the same product transposed, and col2im adds each patch's
gradient back onto the input, one kernel offset at a time (k² slice additions).

The layers take and give arrays of shape (N, C, H, W), but Conv2D and MaxPool2D keep
their outputs *channels-last in memory* (an (N, H, W, C) array seen through a transposed
view): a patch row is then (kh, kw, C) with the channels contiguous, so building and
undoing the patch matrix copies runs of C numbers instead of single ones. Results are the
same for any memory layout; only the speed depends on it. With numba the layers move
their numbers with the compiled loops of :mod:`digitnet.nn.conv_kernels` (the same
results as the NumPy functions here, which stay the definition).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from digitnet.nn.conv_kernels import kernels
from digitnet.nn.layers import Layer


def channels_last(x: np.ndarray) -> np.ndarray:
    """The (N, H, W, C) view of x (N, C, H, W); contiguous when x is channels-last."""
    return x.transpose(0, 2, 3, 1)


def im2col(x: np.ndarray, kh: int, kw: int, out: np.ndarray | None = None) -> np.ndarray:
    """Patches of x (N, C, H, W) as rows: (N·Ho·Wo, kh·kw·C), Ho = H − kh + 1; each row
    ordered (row of the kernel, column, channel). ``out``: an array of that shape to fill."""
    n, c, h, w = x.shape
    windows = sliding_window_view(channels_last(x), (kh, kw), axis=(1, 2))
    ho, wo = h - kh + 1, w - kw + 1  # windows: (N, Ho, Wo, C, kh, kw)
    patches = windows.transpose(0, 1, 2, 4, 5, 3)
    if out is None:
        return patches.reshape(n * ho * wo, kh * kw * c)
    np.copyto(out.reshape(n, ho, wo, kh, kw, c), patches)
    return out


def col2im(cols: np.ndarray, shape: tuple[int, int, int, int], kh: int, kw: int) -> np.ndarray:
    """The adjoint of im2col: add each row's values back where its patch came from.
    Returns (N, C, H, W), channels-last in memory."""
    n, c, h, w = shape
    ho, wo = h - kh + 1, w - kw + 1
    patches = cols.reshape(n, ho, wo, kh, kw, c)
    out = np.zeros((n, h, w, c), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, i : i + ho, j : j + wo] += patches[:, :, :, i, j]
    return out.transpose(0, 3, 1, 2)


def work_array(kept: dict[str, np.ndarray], name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """``kept[name]``, made anew (uninitialised) when missing or of another shape or dtype:
    a layer's work array, kept from one training step to the next."""
    have = kept.get(name)
    if have is None or have.shape != shape or have.dtype != dtype:
        have = kept[name] = np.empty(shape, dtype)
    return have


def kernel_matrix(weight: np.ndarray) -> np.ndarray:
    """weight (F, C, kh, kw) as (F, kh·kw·C), in im2col's column order."""
    return weight.transpose(0, 2, 3, 1).reshape(len(weight), -1)


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
        self._scratch: dict[str, np.ndarray] = {}

    def scratch(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A work array kept from one training step to the next: the patch matrices are
        tens of MB a mini-batch, and fresh ones cost the page faults of filling new memory
        (about as long as the copy into them)."""
        return work_array(self._scratch, name, shape, dtype)

    def release(self) -> None:
        self._scratch.clear()

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
        if ph or pw:  # zeros around the border, channels-last like the rest
            n, c, h, w = x.shape
            padded = np.zeros((n, h + 2 * ph, w + 2 * pw, c), x.dtype)
            padded[:, ph : ph + h, pw : pw + w] = channels_last(x)
            x = padded.transpose(0, 3, 1, 2)
        f, _, kh, kw = self.weight.shape
        self.x_shape = x.shape
        n, c, h, w = x.shape
        shape = (n * (h - kh + 1) * (w - kw + 1), kh * kw * c)
        self.cols = im2col(x, kh, kw, self.scratch("cols", shape, x.dtype) if train else None)
        z = self.cols @ kernel_matrix(self.weight).T
        z += self.bias
        return z.reshape(n, h - kh + 1, w - kw + 1, f).transpose(0, 3, 1, 2)

    def backward(self, grad_y: np.ndarray) -> np.ndarray | None:
        f, c, kh, kw = self.weight.shape
        delta = channels_last(grad_y).reshape(-1, f)  # one row per output position
        self.grad_bias[...] = delta.sum(axis=0)  # BP3, summed over positions
        grad_w = (delta.T @ self.cols).reshape(f, kh, kw, c)  # BP4
        self.grad_weight[...] = grad_w.transpose(0, 3, 1, 2)
        if not self.input_grad:
            return None
        grad_cols = self.scratch("grad_cols", self.cols.shape, delta.dtype)
        np.matmul(delta, kernel_matrix(self.weight), out=grad_cols)  # BP2, then col2im
        fast = kernels()
        if fast:
            n, _, h, w = self.x_shape
            grad_x = fast.col2im(grad_cols, n, h, w, kh, kw).transpose(0, 3, 1, 2)
        else:
            grad_x = col2im(grad_cols, self.x_shape, kh, kw)
        ph, pw = self.pad
        return grad_x[:, :, ph : grad_x.shape[2] - ph, pw : grad_x.shape[3] - pw]

    def params(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight, "bias": self.bias}

    def grads(self) -> dict[str, np.ndarray]:
        return {"weight": self.grad_weight, "bias": self.grad_bias}


class MaxPool2D(Layer):
    """Max over non-overlapping size×size blocks: (N, C, H, W) -> (N, C, H//size, W//size).

    Rows and columns that do not fill a block are dropped. Backward sends each block's
    gradient to the position that won (the first, row by row, if several tie). Works on
    the channels-last view, one block offset at a time; the output is channels-last too.
    """

    def __init__(self, size: int = 2) -> None:
        self.size = size

    def output_shape(self, shape: tuple[int, int, int]) -> tuple[int, int, int]:
        c, h, w = shape
        return c, h // self.size, w // self.size

    def offsets(self, x: np.ndarray) -> list[np.ndarray]:
        """The size² (N, Ho, Wo, C) views of x (N, Ho·s, Wo·s, C), one per block offset."""
        s = self.size
        return [x[:, i::s, j::s] for i in range(s) for j in range(s)]

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        s = self.size
        h, w = x.shape[2:]
        self.x_shape = x.shape
        fast = kernels() if train else None  # reading a few images: no compiler to load
        if fast:
            best, self.winner = fast.pool_forward(channels_last(x), s)
            return best.transpose(0, 3, 1, 2)
        parts = self.offsets(channels_last(x)[:, : h // s * s, : w // s * s])
        best = parts[0].copy()
        if not train:  # reading: the maximum alone; who won is found if backward asks
            self.winner, self.x = None, x
            for part in parts[1:]:
                np.maximum(best, part, out=best)
            return best.transpose(0, 3, 1, 2)
        self.winner = np.zeros(best.shape, np.uint8)
        for k, part in enumerate(parts[1:], 1):
            better = part > best  # strictly: a tie stays with the first
            np.copyto(best, part, where=better)
            self.winner[better] = k
        return best.transpose(0, 3, 1, 2)

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        if self.winner is None:
            self.forward(self.x, train=True)
        s = self.size
        n, c, h, w = self.x_shape
        g = channels_last(grad_y)
        fast = kernels()
        if fast:
            return fast.pool_backward(g, self.winner, h, w, s).transpose(0, 3, 1, 2)
        out = np.zeros((n, h, w, c), grad_y.dtype)
        for k, part in enumerate(self.offsets(out[:, : h // s * s, : w // s * s])):
            np.copyto(part, g, where=self.winner == k)
        return out.transpose(0, 3, 1, 2)


class Flatten(Layer):
    """(N, C, H, W) -> (N, C·H·W), and back for the gradient."""

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        return grad_y.reshape(self.x_shape)
