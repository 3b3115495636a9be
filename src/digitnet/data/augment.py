"""Data augmentation as array operations on uint8 images (N, H, W).

- :func:`expand_shifts`: the book's expanded training set (chapter 6): every image plus
  its four copies shifted by one pixel up, down, left and right (50,000 -> 250,000).
- :func:`random_transforms`: each image moved by a random whole-pixel shift and, for
  ``max_degrees`` > 0, a small rotation about the centre, drawn anew each epoch.

No Python loop runs per image: images are grouped by the transform they drew (there are
few: shifts in whole pixels, angles in 2.5° steps), and each group is resampled with one
gather through a precomputed index map (nearest neighbour; pixels from outside the frame
are 0).
"""

from __future__ import annotations

import functools

import numpy as np

ANGLE_STEP = 2.5  # degrees between the rotation angles drawn


def shift(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """All images moved dy pixels down and dx right, zero-filled (N, H, W)."""
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def expand_shifts(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The book's expanded set: originals, then shifted down, up, right, left (5N images)."""
    moves = [(1, 0), (-1, 0), (0, 1), (0, -1)]
    expanded = np.concatenate([images, *(shift(images, dy, dx) for dy, dx in moves)])
    return expanded, np.tile(labels, 5)


@functools.lru_cache(maxsize=512)
def source_map(h: int, w: int, dy: int, dx: int, degrees: float) -> np.ndarray:
    """For each output pixel (H*W,), the flat index of the input pixel it takes (H*W = outside).

    Output = input rotated by ``degrees`` (counter-clockwise) about the centre, then
    shifted by (dy, dx).
    """
    rows, cols = np.indices((h, w), dtype=np.float64)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    theta = np.deg2rad(degrees)
    y, x = rows - dy - cy, cols - dx - cx  # undo the shift, then the rotation
    src_y = np.cos(theta) * y - np.sin(theta) * x + cy
    src_x = np.sin(theta) * y + np.cos(theta) * x + cx
    sy, sx = np.rint(src_y).astype(np.int64), np.rint(src_x).astype(np.int64)
    inside = (sy >= 0) & (sy < h) & (sx >= 0) & (sx < w)
    return np.where(inside, sy * w + sx, h * w).ravel()


def draw_transforms(
    n: int, side: int, rng: np.random.Generator, max_shift: int = 1, max_degrees: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """A random transform for each of n images: (group (N,) int64, maps (G, side²) int64).

    Image k is resampled through ``maps[group[k]]`` (see :func:`source_map`): a shift of
    up to ``max_shift`` pixels each way and a rotation of up to ``max_degrees``.
    """
    dy = rng.integers(-max_shift, max_shift + 1, n)
    dx = rng.integers(-max_shift, max_shift + 1, n)
    steps = int(max_degrees // ANGLE_STEP)
    turn = rng.integers(-steps, steps + 1, n) if steps else np.zeros(n, np.int64)
    span, turns = 2 * max_shift + 1, 2 * steps + 1
    code = ((dy + max_shift) * span + (dx + max_shift)) * turns + (turn + steps)
    _, first, group = np.unique(code, return_index=True, return_inverse=True)
    maps = np.stack(
        [source_map(side, side, int(dy[k]), int(dx[k]), float(turn[k] * ANGLE_STEP)) for k in first]
    )
    return group.astype(np.int64), maps


def apply_transforms(images: np.ndarray, group: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """images (N, H, W) resampled each through maps[group[k]]; returns new (N, H, W).

    A compiled gather when numba is installed, else one NumPy gather per group.
    """
    n, h, w = images.shape
    flat = np.ascontiguousarray(images.reshape(n, h * w))
    gather = _compiled_gather()
    if gather is not None:
        return gather(flat, group, maps).reshape(n, h, w)
    padded = np.zeros((n, h * w + 1), images.dtype)  # the extra column is the 0 outside
    padded[:, :-1] = flat
    out = np.empty((n, h * w), images.dtype)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(maps) + 1))
    for g in range(len(maps)):
        members = order[bounds[g] : bounds[g + 1]]
        out[members] = padded[members[:, None], maps[g][None, :]]
    return out.reshape(n, h, w)


@functools.cache
def _compiled_gather():
    """out[k, t] = flat[k, maps[group[k], t]] (0 where the map says outside), or None."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=True, nogil=True)
    def gather(flat, group, maps):
        n, p = flat.shape
        out = np.zeros_like(flat)
        for k in range(n):
            src = maps[group[k]]
            for t in range(p):
                s = src[t]
                if s < p:
                    out[k, t] = flat[k, s]
        return out

    return gather


def random_transforms(
    images: np.ndarray, rng: np.random.Generator, max_shift: int = 1, max_degrees: float = 0.0
) -> np.ndarray:
    """Each image shifted by up to ``max_shift`` pixels each way and rotated by up to
    ``max_degrees``, drawn from ``rng``; returns new images (N, H, W)."""
    group, maps = draw_transforms(len(images), images.shape[1], rng, max_shift, max_degrees)
    return apply_transforms(images, group, maps)
