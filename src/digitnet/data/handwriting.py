"""Augmentation towards handwriting that is not MNIST's: slant, size, aspect, position,
rotation and stroke thickness, each drawn per image, as array operations.

Every image (N, H, W) uint8 gets its own affine map (a shear for slant, a scale per
axis, a rotation and a shift, about the centre), applied by a nearest-neighbour gather
of all images at once in chunks; then a third of the images get thicker strokes (a 3×3
grey dilation) and a sixth thinner ones (a cross-shaped erosion that never removes a
whole stroke's core: pixels below half ink are dropped only where a neighbour is weaker).
"""

from __future__ import annotations

import numpy as np

CHUNK = 8192  # images per gather: bounds the coordinate arrays to a few tens of MB


def affine_maps(n: int, rng: np.random.Generator) -> np.ndarray:
    """n random 2×2 matrices mapping output offsets to input offsets (N, 2, 2) float32.

    Slant: shear ±0.35; scale 0.75-1.1 per axis; rotation ±10°.
    """
    shear = rng.uniform(-0.35, 0.35, n)
    sy, sx = rng.uniform(0.75, 1.1, n), rng.uniform(0.75, 1.1, n)
    theta = np.deg2rad(rng.uniform(-10, 10, n))
    c, s = np.cos(theta), np.sin(theta)
    # forward: rotate · shear · scale; inverse maps an output pixel back to its source
    fwd = np.empty((n, 2, 2))
    fwd[:, 0, 0], fwd[:, 0, 1] = c * sy, (c * shear - s) * sx  # rows (y)
    fwd[:, 1, 0], fwd[:, 1, 1] = s * sy, (s * shear + c) * sx  # cols (x)
    return np.linalg.inv(fwd).astype(np.float32)


def warp(images: np.ndarray, inverse: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Resample images (N, H, W) through inverse affine maps (N, 2, 2) about the centre
    after undoing integer shifts (N, 2); outside pixels are 0. Returns (N, H, W)."""
    n, h, w = images.shape
    out = np.empty_like(images)
    ys, xs = np.indices((h, w), dtype=np.float32)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        y = ys[None] - cy - shifts[lo:hi, 0, None, None]
        x = xs[None] - cx - shifts[lo:hi, 1, None, None]
        m = inverse[lo:hi]
        src_y = np.rint(m[:, 0, 0, None, None] * y + m[:, 0, 1, None, None] * x + cy)
        src_x = np.rint(m[:, 1, 0, None, None] * y + m[:, 1, 1, None, None] * x + cx)
        inside = (src_y >= 0) & (src_y < h) & (src_x >= 0) & (src_x < w)
        flat = np.where(inside, src_y * w + src_x, 0).astype(np.int64)
        base = (np.arange(lo, hi) * (h * w))[:, None, None]
        out[lo:hi] = np.where(inside, images.reshape(-1)[flat + base], 0)
    return out


def dilate(images: np.ndarray) -> np.ndarray:
    """3×3 grey dilation (max over each pixel's neighbourhood) of (N, H, W)."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    h, w = images.shape[1:]
    out = images.copy()
    for dy in range(3):
        for dx in range(3):
            np.maximum(out, p[:, dy : dy + h, dx : dx + w], out=out)
    return out


def thin(images: np.ndarray) -> np.ndarray:
    """Thinner strokes: each pixel becomes the minimum of itself and its cross neighbours,
    except where it is at least half ink (the stroke's core stays). (N, H, W)."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    h, w = images.shape[1:]
    low = images.copy()
    for dy, dx in ((0, 1), (2, 1), (1, 0), (1, 2)):
        np.minimum(low, p[:, dy : dy + h, dx : dx + w], out=low)
    return np.where(images >= 128, (images.astype(np.uint16) * 3 // 4).astype(np.uint8), low)


def handwriting_transforms(
    images: np.ndarray, rng: np.random.Generator, max_shift: int = 3
) -> np.ndarray:
    """Each uint8 image (N, H, W) slanted, scaled, rotated, shifted and made thicker or
    thinner at random (drawn from ``rng``); returns new images (N, H, W)."""
    n = len(images)
    shifts = rng.integers(-max_shift, max_shift + 1, (n, 2)).astype(np.float32)
    out = warp(images, affine_maps(n, rng), shifts)
    stroke = rng.random(n)
    thick, thinner = stroke < 1 / 3, stroke > 5 / 6
    if thick.any():
        out[thick] = dilate(out[thick])
    if thinner.any():
        out[thinner] = thin(out[thinner])
    return out
