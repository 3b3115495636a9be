"""Reading at one working size, whatever the size of the writing.

A number may be 20 pixels high in a scan or 2,000 in a phone photo, written with a
1-pixel pen or a felt pen a sixth of the digit's height wide. Everything after this step
(the paper's level, the cuts, the priors in line heights) is tuned for digits of some
tens of pixels. So the digit height is estimated on a small copy of the image first, and
an image whose digits are much taller than WORK_HEIGHT is shrunk by a whole factor:
each output pixel takes the mean of the highest ink of its block and the block's mean
ink, so a hairline keeps at least half its darkness while paper texture does not grow
into ink.
"""

from __future__ import annotations

import math

import numpy as np

WORK_HEIGHT = 64  # digits are read at about this many pixels high (MNIST's box is 20)
COARSE_SIDE = 400  # the height is estimated on a copy at most this many pixels wide
PAPER_PERCENTILE = 20  # a block's paper level: this percentile of its ink
MIN_STROKE = 1.5  # a shrunk stroke stays at least this wide (pixels)
BLOCK = 32  # ... in blocks of this many pixels (at the working size)


def pool(ink: np.ndarray, factor: int, how: str = "mix") -> np.ndarray:
    """ink (H, W) shrunk by a whole ``factor``: each factor×factor block's mean ("mean"),
    or the mean of its highest value and its mean ("mix"); the edges padded with 0."""
    if factor <= 1:
        return ink
    h, w = ink.shape
    bh, bw = math.ceil(h / factor), math.ceil(w / factor)
    padded = np.zeros((bh * factor, bw * factor), ink.dtype)
    padded[:h, :w] = ink
    blocks = padded.reshape(bh, factor, bw, factor)
    mean = blocks.mean(axis=(1, 3))
    if how == "mean":
        return mean
    return 0.5 * (mean + blocks.max(axis=(1, 3)))


def paper_level(ink: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """The paper's ink level (H, W) under ink (H, W): a low percentile of each block,
    bilinearly spread. A low percentile, not the median, so that a block inside a thick
    stroke still finds the paper around it."""
    from PIL import Image

    h, w = ink.shape
    by, bx = max(1, math.ceil(h / block)), max(1, math.ceil(w / block))
    padded = np.pad(ink, ((0, by * block - h), (0, bx * block - w)), mode="edge")
    blocks = padded.reshape(by, block, bx, block).transpose(0, 2, 1, 3).reshape(by, bx, -1)
    level = np.percentile(blocks, PAPER_PERCENTILE, axis=2)
    smooth = Image.fromarray(level.astype(np.float32), "F").resize((w, h), Image.BILINEAR)
    return np.asarray(smooth, np.float64)


def working_factor(height: float, stroke: float = math.inf) -> int:
    """The whole factor that brings digits ``height`` pixels high near WORK_HEIGHT, but
    keeps strokes ``stroke`` pixels wide at least MIN_STROKE wide (≥ 1)."""
    return max(1, min(math.floor(height / WORK_HEIGHT), math.floor(stroke / MIN_STROKE)))


def long_runs(mask: np.ndarray, length: float) -> np.ndarray:
    """Where mask (H, W) has a horizontal run of True at least ``length`` long: (H, W) bool."""
    h, w = mask.shape
    out = np.zeros_like(mask)
    if length > w:
        return out
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    for r, a, b in zip(rows, starts, ends, strict=True):
        if b - a >= length:
            out[r, a:b] = True
    return out


def rules(mask: np.ndarray, height: float, length: float = 2.5) -> np.ndarray:
    """The pixels of straight ruled lines in mask (H, W): horizontal or vertical runs of
    ink at least ``length`` digit heights long (ruled paper, underlines, strike-through
    lines, form boxes, a paper's straight edge), and the short sides of boxes: vertical
    runs that begin and end on a horizontal rule. (H, W) bool."""
    across = long_runs(mask, length * height)
    down = long_runs(mask.T, length * height).T
    rest = mask & ~across
    # a box's sides: runs down the rest that touch a horizontal rule at both ends
    near = across | np.roll(across, 1, 0) | np.roll(across, -1, 0)
    near |= np.roll(near, 1, 0) | np.roll(near, -1, 0)
    sides = np.zeros_like(mask)
    if across.any():
        h = mask.shape[0]
        padded = np.zeros((h + 2, mask.shape[1]), np.int8)
        padded[1:-1] = rest
        edges = np.diff(padded, axis=0)
        cols, starts = np.nonzero(edges.T == 1)
        _, ends = np.nonzero(edges.T == -1)
        for c, a, b in zip(cols, starts, ends, strict=True):
            top, bottom = max(a - 1, 0), min(b, h - 1)
            if b - a >= 0.5 * height and near[top, c] and near[bottom, c]:
                sides[a:b, c] = True
        # a side is some strokes wide: keep a column only where its neighbours agree
        sides &= np.roll(sides, 1, 1) | np.roll(sides, -1, 1)
    return across | down | sides
