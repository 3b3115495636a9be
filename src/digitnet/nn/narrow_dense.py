"""A first Dense layer's forward pass at inference when it has few outputs: z = x wᵀ + b.

The book's first layer maps 784 inputs to 30 outputs. OpenBLAS handles a product that
narrow poorly (here it reaches about half the speed the CPU allows), so for layers with
at most ``MAX_OUTPUTS`` outputs and at least ``MIN_INPUTS`` inputs the product runs as a
compiled loop instead (:func:`digitnet.nn.simd.dense_rows`: three rows of x at a time,
so each row of wᵀ read from cache serves three images), split over the CPU's cores.

Only the order of the floating-point sums differs from ``x @ w.T``. ``forward`` returns
None where the path does not apply (numba missing, other shapes or types), and the
caller falls back to the layer's own ``forward``.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from digitnet.nn import fast
from digitnet.nn.layers import Dense

MAX_OUTPUTS = 64
MIN_INPUTS = 128
ROWS_PER_THREAD = 1024  # below twice this, one thread does it all

_kernel = None
_pool: ThreadPoolExecutor | None = None


def _compile():
    """The row kernel, compiled on first use (numba caches it on disk)."""
    global _kernel, dense_rows, DENSE_ROWS  # globals, not closure cells: the cache works
    if _kernel is not None:
        return _kernel
    import numba

    from digitnet.nn.simd import DENSE_ROWS, dense_rows

    @numba.njit(cache=True, nogil=True)
    def product_rows(x, wt, out, lo, hi):
        """out[r] = x[r] @ wt for r in [lo, end), end the last multiple of DENSE_ROWS
        rows from lo that fits before hi; returns end (the rest is the caller's)."""
        r = lo
        while r + DENSE_ROWS <= hi:
            dense_rows(x, r, wt, out)
            r += DENSE_ROWS
        return r

    _kernel = product_rows
    return _kernel


def applies(layer: Dense, x: np.ndarray) -> bool:
    """True if this path computes ``layer`` on x (N, n_in)."""
    return (
        type(layer) is Dense
        and layer.n_out <= MAX_OUTPUTS
        and layer.n_in >= MIN_INPUTS
        and x.ndim == 2
        and x.shape[1] == layer.n_in
        and x.dtype == layer.weight.dtype
        and x.dtype in (np.float32, np.float64)
        and fast.available()
    )


def forward(layer: Dense, x: np.ndarray) -> np.ndarray | None:
    """z = x wᵀ + b, (N, n_out) for x (N, n_in); None where the path does not apply."""
    if not applies(layer, x):
        return None
    from digitnet.nn.simd import ROW_MULTIPLE

    kernel = _compile()
    x = np.ascontiguousarray(x)
    n, width = len(x), -(-layer.n_out // ROW_MULTIPLE) * ROW_MULTIPLE
    wt = np.zeros((layer.n_in, width), x.dtype)  # wᵀ, its columns padded with zeros
    wt[:, : layer.n_out] = layer.weight.T
    out = np.empty((n, width), x.dtype)

    def part(lo: int, hi: int) -> None:
        end = kernel(x, wt, out, lo, hi)
        out[end:hi] = x[end:hi] @ wt  # the last one or two rows

    threads = min(os.cpu_count() or 1, n // ROWS_PER_THREAD)
    bounds = list(itertools.pairwise(np.linspace(0, n, max(threads, 1) + 1).astype(int)))
    others = [_executor().submit(part, lo, hi) for lo, hi in bounds[:-1]]
    part(*bounds[-1])  # the last part on this thread
    for other in others:
        other.result()
    return out[:, : layer.n_out] + layer.bias


def _executor() -> ThreadPoolExecutor:
    """Threads for the other parts (the calling thread takes the last)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=max((os.cpu_count() or 1) - 1, 1))
    return _pool
