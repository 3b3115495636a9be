"""Resizing a small image as two matrix products: out = R_rows · img · R_colsᵀ.

Every candidate digit of a line is scaled into MNIST's 20×20 box, some sixty a line, so
the cost of one resize counts. A separable filter is a matrix per axis: row i of R holds
the weights output pixel i gives the input pixels. The weights are PIL's (same centres,
supports and normalisation): Lanczos (a = 3) stretched over the input pixels when
shrinking, so that it averages what it drops, and the triangle (bilinear) when growing.
Each pass is clipped to [0, 1], as PIL's 8-bit path does, but nothing is rounded to
1/255. The matrices depend only on the sizes, so they are made once per pair of sizes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def lanczos(x: np.ndarray) -> np.ndarray:
    """The Lanczos window of size 3: sinc(x)·sinc(x/3) for |x| < 3, else 0."""
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


def triangle(x: np.ndarray) -> np.ndarray:
    """The bilinear filter: 1 − |x| for |x| < 1, else 0."""
    return np.clip(1 - np.abs(x), 0, None)


@lru_cache(maxsize=4096)
def resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights resizing one axis from n_in to n_out pixels: Lanczos when
    shrinking, bilinear when growing (or keeping the size)."""
    scale = n_in / n_out
    stretch = max(scale, 1.0)  # a filter widened over the input when shrinking
    kernel, support = (lanczos, 3.0) if n_out < n_in else (triangle, 1.0)
    support *= stretch
    out = np.zeros((n_out, n_in))
    for i in range(n_out):
        centre = (i + 0.5) * scale
        lo = max(int(centre - support + 0.5), 0)
        hi = min(int(centre + support + 0.5), n_in)
        weights = kernel((np.arange(lo, hi) - centre + 0.5) / stretch)
        total = weights.sum()
        out[i, lo:hi] = weights / total if total != 0 else weights
    out.flags.writeable = False
    return out


def resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """img (h, w) in [0, 1] resized to (height, width) float64: across, then down, each
    pass clipped to [0, 1] (Lanczos overshoots at sharp edges)."""
    h, w = img.shape
    across = clip01(img @ resize_matrix(w, width).T)
    return clip01(resize_matrix(h, height) @ across)


def clip01(a: np.ndarray) -> np.ndarray:
    """a clipped to [0, 1] in place (np.clip's checks cost more than these two ufuncs)."""
    np.maximum(a, 0.0, out=a)
    return np.minimum(a, 1.0, out=a)
