"""Compiled loops for the convolution layers' data movement (numba).

The matrix products of a convolution go to BLAS; what is left is moving numbers: adding
patch gradients back (col2im) and max-pooling (building the patch matrix stays NumPy's one
strided copy: a compiled loop was slower here). In NumPy
these are many passes over large temporaries (col2im alone took ~56 ms a mini-batch of the
benchmark CNN, the same loop compiled ~5 ms). Each function here does exactly what its
NumPy twin in :mod:`digitnet.nn.conv` does, on channels-last arrays (N, H, W, C); the
tests hold them to it. They run on one thread: run beside OpenBLAS, whose threads keep
their cores busy for a while after each matrix product, two-thread loops were slower.
Without numba, :func:`kernels` returns None and the layers use
the NumPy versions.
"""

from __future__ import annotations

from types import SimpleNamespace

_kernels: SimpleNamespace | None = None
_tried = False


def kernels() -> SimpleNamespace | None:
    """The compiled functions (compiled on first use, cached on disk by numba), or None."""
    global _kernels, _tried
    if not _tried:
        _tried = True
        try:
            _kernels = _compile()
        except ImportError:
            _kernels = None
    return _kernels


def _compile() -> SimpleNamespace:
    import numba
    import numpy as np

    @numba.njit(cache=True)
    def col2im(cols, n, h, w, kh, kw):
        """The adjoint of conv.im2col: patches (N·Ho·Wo, kh·kw·C) -> (N, H, W, C)."""
        c = cols.shape[1] // (kh * kw)
        ho, wo = h - kh + 1, w - kw + 1
        out = np.zeros((n, h, w, c), cols.dtype)
        for b in range(n):
            for y in range(ho):
                for x0 in range(wo):
                    row = (b * ho + y) * wo + x0
                    for i in range(kh):
                        for j in range(kw):
                            base = (i * kw + j) * c
                            for ch in range(c):
                                out[b, y + i, x0 + j, ch] += cols[row, base + ch]
        return out

    @numba.njit(cache=True)
    def pool_forward(x, s):
        """Max over s×s blocks of x (N, H, W, C): (max, winner) each (N, H//s, W//s, C);
        winner = i·s + j of the first position, row by row, holding the max."""
        n, h, w, c = x.shape
        ho, wo = h // s, w // s
        best = np.empty((n, ho, wo, c), x.dtype)
        winner = np.zeros((n, ho, wo, c), np.uint8)
        for b in range(n):
            for y in range(ho):
                for x0 in range(wo):
                    for ch in range(c):
                        best[b, y, x0, ch] = x[b, y * s, x0 * s, ch]
                    for i in range(s):
                        for j in range(s):
                            if i == 0 and j == 0:
                                continue
                            for ch in range(c):
                                v = x[b, y * s + i, x0 * s + j, ch]
                                if v > best[b, y, x0, ch]:
                                    best[b, y, x0, ch] = v
                                    winner[b, y, x0, ch] = i * s + j
        return best, winner

    @numba.njit(cache=True)
    def pool_backward(grad, winner, h, w, s):
        """Each block's gradient to its winner: grad (N, Ho, Wo, C) -> (N, H, W, C)."""
        n, ho, wo, c = grad.shape
        out = np.zeros((n, h, w, c), grad.dtype)
        for b in range(n):
            for y in range(ho):
                for x0 in range(wo):
                    for ch in range(c):
                        k = winner[b, y, x0, ch]
                        out[b, y * s + k // s, x0 * s + k % s, ch] = grad[b, y, x0, ch]
        return out

    @numba.njit(cache=True)
    def im2col(x, kh, kw, cols):
        """conv.im2col of x (N, H, W, C), C-contiguous, into cols (N·Ho·Wo, kh·kw·C): each
        (kernel row, image) pair is one run of kw·C numbers."""
        n, h, w, c = x.shape
        ho, wo = h - kh + 1, w - kw + 1
        run = kw * c
        flat = x.reshape(n, h, w * c)
        for b in range(n):
            for y in range(ho):
                for x0 in range(wo):
                    row = (b * ho + y) * wo + x0
                    for i in range(kh):
                        src = flat[b, y + i, x0 * c : x0 * c + run]
                        dst = cols[row, i * run : (i + 1) * run]
                        for k in range(run):
                            dst[k] = src[k]

    @numba.njit(cache=True)
    def pool_activate(z, bias, s, kind, a, winner):
        """A convolution's outputs z (N, Ho, Wo, F) to its pooled activations a (N, Hp, Wp,
        F), Hp = Ho // s: a = f(max over the s×s block of z, + bias), f by ``kind`` (0: none,
        1: ReLU, 2: sigmoid); ``winner`` is i·s + j of the first position holding the max
        (left as it is when s is 1). The same as f(z + bias) pooled, because f and adding
        a bias never reverse an order."""
        n, hp, wp, f = a.shape
        zero = a.dtype.type(0)
        if s == 1:  # no pooling: a = f(z + bias) in one pass (``winner`` is not needed)
            for b in range(n):
                for y in range(hp):
                    for x0 in range(wp):
                        for ch in range(f):
                            v = z[b, y, x0, ch] + bias[ch]
                            if kind == 1:
                                v = max(v, zero)
                            elif kind == 2:
                                v = (1 + np.tanh(v / 2)) / 2
                            a[b, y, x0, ch] = v
            return
        for b in range(n):
            for y in range(hp):
                for x0 in range(wp):
                    if f >= 32:  # the channels as the inner loop: it runs as vectors
                        for ch in range(f):
                            a[b, y, x0, ch] = z[b, y * s, x0 * s, ch]
                            winner[b, y, x0, ch] = 0
                        for i in range(s):
                            for j in range(s):
                                k = np.uint8(i * s + j)
                                for ch in range(f):
                                    v = z[b, y * s + i, x0 * s + j, ch]
                                    better = v > a[b, y, x0, ch]
                                    a[b, y, x0, ch] = v if better else a[b, y, x0, ch]
                                    winner[b, y, x0, ch] = k if better else winner[b, y, x0, ch]
                    else:  # too few channels for vectors: one channel at a time
                        for ch in range(f):
                            best, won = z[b, y * s, x0 * s, ch], 0
                            for i in range(s):
                                for j in range(s):
                                    v = z[b, y * s + i, x0 * s + j, ch]
                                    if v > best:
                                        best, won = v, i * s + j
                            a[b, y, x0, ch], winner[b, y, x0, ch] = best, won
                    for ch in range(f):
                        v = a[b, y, x0, ch] + bias[ch]
                        if kind == 1:
                            v = max(v, zero)
                        elif kind == 2:
                            v = (1 + np.tanh(v / 2)) / 2  # σ as functional.sigmoid
                        a[b, y, x0, ch] = v

    @numba.njit(cache=True)
    def pool_activate_back(grad, a, winner, s, kind, grad_z, grad_bias):
        """The adjoint of pool_activate: ∂C/∂a (N, Hp, Wp, F) to ∂C/∂z (N, Ho, Wo, F), zero
        but at each block's winner, and ∂C/∂bias (F,) (the sum of those)."""
        n, hp, wp, f = a.shape
        grad_bias[...] = 0
        if s == 1:  # no pooling: every position its own winner, and the loop runs as vectors
            for b in range(n):
                for y in range(hp):
                    for x0 in range(wp):
                        for ch in range(f):
                            v, d = a[b, y, x0, ch], grad[b, y, x0, ch]
                            if kind == 1:
                                d = d if v > 0 else 0
                            elif kind == 2:
                                d = d * (v * (1 - v))
                            grad_z[b, y, x0, ch] = d
                            grad_bias[ch] += d
            return
        grad_z[...] = 0
        for b in range(n):
            for y in range(hp):
                for x0 in range(wp):
                    for ch in range(f):
                        v = a[b, y, x0, ch]
                        d = grad[b, y, x0, ch]
                        if kind == 1:
                            d = d if v > 0 else 0
                        elif kind == 2:
                            d = d * (v * (1 - v))
                        k = winner[b, y, x0, ch]
                        grad_z[b, y * s + k // s, x0 * s + k % s, ch] = d
                        grad_bias[ch] += d

    return SimpleNamespace(
        col2im=col2im,
        pool_forward=pool_forward,
        pool_backward=pool_backward,
        im2col=im2col,
        pool_activate=pool_activate,
        pool_activate_back=pool_activate_back,
    )
