"""One pass for the update ``p += a·g`` (numba), where NumPy makes two.

NumPy's ``p -= eta * g`` first writes ``eta * g`` to a temporary the size of ``p``, then
reads it back: for the 1000×1000 weights of the book's chapter 6 network, trained a
mini-batch of 10 at a time, that update took about a third of each step. The loop here
reads ``g`` and ``p`` once and writes ``p`` once. It rounds as NumPy does (``a·g``, then
the sum; numba does not fuse them into one multiply-add without fastmath), so the weights
are the same to the bit either way; ``tests/nn/test_optim.py`` checks it. Small arrays
(biases) and arrays that are not C-contiguous keep NumPy's expression.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SMALL = 1 << 14  # below this many numbers, calling the compiled loop is not worth it

_loop: Callable | None = None
_tried = False


def _compiled() -> Callable | None:
    """The compiled loop (cached on disk by numba), or None without numba."""
    global _loop, _tried
    if not _tried:
        _tried = True
        try:
            import numba
        except ImportError:
            return None

        @numba.njit(cache=True)
        def add_scaled_flat(p, g, a):
            for i in range(p.size):
                p[i] += a * g[i]

        _loop = add_scaled_flat
    return _loop


def add_scaled(p: np.ndarray, g: np.ndarray, a: float) -> None:
    """``p += a·g`` in place; ``p`` and ``g`` have one shape and dtype (any shape)."""
    scale = p.dtype.type(a)
    loop = _compiled() if p.size >= SMALL else None
    if loop is None or not (p.flags.c_contiguous and g.flags.c_contiguous) or g.dtype != p.dtype:
        p += scale * g
        return
    loop(p.reshape(-1), g.reshape(-1), scale)
