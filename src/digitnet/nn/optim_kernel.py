"""One pass for the updates ``p += a·g`` and Adam's (numba), where NumPy makes several.

NumPy's ``p -= eta * g`` first writes ``eta * g`` to a temporary the size of ``p``, then
reads it back: for the 1000×1000 weights of the book's chapter 6 network, trained a
mini-batch of 10 at a time, that update took about a third of each step. The loop here
reads ``g`` and ``p`` once and writes ``p`` once. It rounds as NumPy does (``a·g``, then
the sum; numba does not fuse them into one multiply-add without fastmath), so the weights
are the same to the bit either way; ``tests/nn/test_optim.py`` checks it. Small arrays
(biases) and arrays that are not C-contiguous keep NumPy's expression.

Adam's step is six NumPy expressions over four arrays the size of ``p``, each writing a
temporary; ``adam_step`` reads ``p``, ``g``, ``m`` and ``v`` once and writes each of ``p``,
``m`` and ``v`` once, with the same operations in the same order (so the same bits).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SMALL = 1 << 14  # below this many numbers, calling the compiled loop is not worth it

_loops: dict[str, Callable] | None = None
_tried = False


def _compiled(name: str = "add_scaled") -> Callable | None:
    """The compiled loop ``name`` (cached on disk by numba), or None without numba."""
    global _loops, _tried
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

        @numba.njit(cache=True)
        def adam_flat(p, g, m, v, b1, c1, b2, c2, step, eps):
            for i in range(p.size):
                gi = g[i]
                mi = m[i] * b1 + c1 * gi
                vi = v[i] * b2 + c2 * gi * gi
                m[i], v[i] = mi, vi
                p[i] -= step * mi / (np.sqrt(vi) + eps)

        _loops = {"add_scaled": add_scaled_flat, "adam": adam_flat}
    return _loops[name] if _loops else None


def add_scaled(p: np.ndarray, g: np.ndarray, a: float) -> None:
    """``p += a·g`` in place; ``p`` and ``g`` have one shape and dtype (any shape)."""
    scale = p.dtype.type(a)
    loop = _compiled() if p.size >= SMALL else None
    if loop is None or not (p.flags.c_contiguous and g.flags.c_contiguous) or g.dtype != p.dtype:
        p += scale * g
        return
    loop(p.reshape(-1), g.reshape(-1), scale)


def adam_step(
    p: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    betas: tuple[float, float],
    step: float,
    eps: float,
) -> None:
    """Adam's update in place, all arrays of one shape and dtype: m ← β₁m + (1−β₁)g,
    v ← β₂v + (1−β₂)g², p ← p − step·m / (√v + eps)."""
    dt = p.dtype.type
    (b1, b2), loop = betas, _compiled("adam") if p.size >= SMALL else None
    arrays = (p, g, m, v)
    if loop is None or not all(a.flags.c_contiguous and a.dtype == p.dtype for a in arrays):
        m *= dt(b1)
        m += dt(1 - b1) * g
        v *= dt(b2)
        v += dt(1 - b2) * g * g
        p -= dt(step) * m / (np.sqrt(v) + dt(eps))
        return
    flat = [a.reshape(-1) for a in arrays]
    loop(*flat, dt(b1), dt(1 - b1), dt(b2), dt(1 - b2), dt(step), dt(eps))
