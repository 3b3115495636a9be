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

from digitnet.vision.components import label

WORK_HEIGHT = 64  # digits are read at about this many pixels high (MNIST's box is 20)
COARSE_SIDE = 400  # the height is estimated on a copy at most this many pixels wide
PAPER_PERCENTILE = 20  # a block's paper level: this percentile of its ink
MIN_STROKE = 1.5  # a shrunk stroke stays at least this wide (pixels)
BLOCK = 32  # ... in blocks of this many pixels (at the working size)
DENSE = 0.9  # a window of a line is inked at least this much
SLACK = 2  # a ruled line may wander this many rows up or down
BAND_RUN = 0.8  # in a ruled line's rows, runs this many digit heights long are the line
SIDE_LEAN_TAN = 0.2  # a box's side leans at most this (about 11 degrees) from upright...
SIDE_THICK = 4  # ...is at most this many pixels thick in any row...
SIDE_MISS = 1.5  # ...and strays at most this many pixels from a straight line
ANGLE_WORK = 500_000  # ink pixels × angles counted in one pass (4 MB)


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
    bilinearly spread, or where it is higher, the ink opened by a block-sized square
    (:func:`opening`). A low percentile, not the median, so that a block inside a thick
    stroke still finds the paper around it; the opening, because a shadow's edge is sharp
    and the blocks' levels spread smoothly across it: the dark side's blocks near the
    edge take the light side's level, and a band of shadow would be left as ink. No
    stroke is as wide as a block (a digit's height at the working size)."""
    from PIL import Image

    h, w = ink.shape
    by, bx = max(1, math.ceil(h / block)), max(1, math.ceil(w / block))
    padded = np.pad(ink, ((0, by * block - h), (0, bx * block - w)), mode="edge")
    blocks = padded.reshape(by, block, bx, block).transpose(0, 2, 1, 3).reshape(by, bx, -1)
    level = np.percentile(blocks, PAPER_PERCENTILE, axis=2)
    smooth = Image.fromarray(level.astype(np.float32), "F").resize((w, h), Image.BILINEAR)
    return np.maximum(np.asarray(smooth, np.float64), opening(ink, block))


def running(values: np.ndarray, k: int, pick: np.ufunc, axis: int) -> np.ndarray:
    """The min or max (``pick``: np.minimum or np.maximum) of the window of k values
    about each value along ``axis`` of values (H, W), the windows cut at the edges: the
    windows grow by doubling (each pass takes the pick of two windows side by side), and
    the last step takes two overlapping ones. (H, W)."""
    if k <= 1:
        return values
    a = np.moveaxis(values, axis, 0)
    n, half = a.shape[0], k // 2
    padded = np.full((n + k - 1, *a.shape[1:]), np.inf if pick is np.minimum else -np.inf, a.dtype)
    padded[half : half + n] = a
    span, s = padded, 1  # span[i]: the pick of padded[i : i + s]
    while 2 * s <= k:
        span = pick(span[:-s], span[s:])
        s *= 2
    return np.moveaxis(pick(span[:n], span[k - s : k - s + n]), 0, axis)


def opening(ink: np.ndarray, k: int) -> np.ndarray:
    """ink (H, W) opened by a k×k square (float32): the ink of every region that such a
    square fits inside (a shadow, a dark band of paper), what is narrower (a stroke) gone
    to the level around it. k is made odd: a window centred on each pixel, so that the
    opening puts an edge back where it was. (H, W)."""
    k |= 1
    low = running(running(ink.astype(np.float32), k, np.minimum, 0), k, np.minimum, 1)
    return running(running(low, k, np.maximum, 0), k, np.maximum, 1)


def block_for(height: float) -> int:
    """The blocks to take the paper's level in, for digits ``height`` pixels high: as large
    as a digit, so that a felt pen's crossing strokes (a sixth of the height each) never
    fill a block."""
    return max(BLOCK, round(height))


def working_factor(height: float, stroke: float | None = None) -> int:
    """The whole factor that brings digits ``height`` pixels high near WORK_HEIGHT, but
    keeps strokes ``stroke`` pixels wide at least MIN_STROKE wide (≥ 1)."""
    factor = math.floor(height / WORK_HEIGHT)
    if stroke is not None:
        factor = min(factor, math.floor(stroke / MIN_STROKE))
    return max(1, factor)


def long_runs(mask: np.ndarray, length: float, slack: int = SLACK) -> np.ndarray:
    """Where mask (H, W) holds a horizontal line at least ``length`` long: the ink of
    every window of that length along a row that is at least DENSE inked, the row
    allowed to wander ``slack`` rows up or down (a line not quite level, or dashed where
    it is faint). (H, W) bool."""
    h, w = mask.shape
    n = math.ceil(length)
    if n > w or n < 1:
        return np.zeros_like(mask)
    wide = mask.copy()
    for k in range(1, slack + 1):
        wide[k:] |= mask[:-k]
        wide[:-k] |= mask[k:]
    sums = np.zeros((h, w + 1), np.int32)
    np.cumsum(wide, axis=1, out=sums[:, 1:])
    dense = (sums[:, n:] - sums[:, :-n]) >= DENSE * n  # (h, w - n + 1): windows that are line
    # a pixel is line if a dense window begins at most n - 1 before it
    begun = np.zeros((h, w + 1), np.int32)
    np.cumsum(np.pad(dense, ((0, 0), (0, n - 1))), axis=1, out=begun[:, 1:])
    cols = np.arange(w)
    covered = (begun[:, cols + 1] - begun[:, np.maximum(cols - n + 1, 0)]) > 0
    return covered & mask


def rules(mask: np.ndarray, height: float | None, length: float = 2.5) -> np.ndarray:
    """The pixels of straight ruled lines in mask (H, W): horizontal or vertical runs of
    ink at least ``length`` digit heights long (ruled paper, underlines, strike-through
    lines, form boxes, a paper's straight edge), or crossing nine tenths of the picture
    and 1.5 digit heights (squared paper's lines in a picture little taller than the
    digits), and the short sides of boxes: vertical runs that begin and end on a
    horizontal rule. Without a ``height``, the lines crossing nine tenths of the picture:
    across, if as long as the picture is high; down, if there is also a rule across (a
    grid: in a line cropped tight, the stems of 1s, 7s and 9s also cross it). Where a
    stroke crosses a line (a digit written over a ruled line, a strike-through), the
    crossing is the stroke's and is not returned (:func:`crossed`). (H, W) bool."""
    h, w = mask.shape
    if height is None:  # (a tight crop of a 7 or a 1 has a stroke across it: not a rule)
        across = long_runs(mask, max(0.9 * w, h))
        down = long_runs(mask.T, 0.9 * h).T if across.any() else np.zeros_like(mask)
        return uncrossed(across, down, mask)
    across = long_runs(mask, min(length * height, max(1.5 * height, 0.9 * w)))
    down = long_runs(mask.T, min(length * height, max(1.5 * height, 0.9 * h))).T
    if across.any():  # the ends of a ruled line that wandered off its rows: shorter runs
        band = np.zeros(h, bool)
        rows = np.flatnonzero(across.sum(axis=1) >= 0.3 * w)
        for k in range(-SLACK, SLACK + 1):
            band[np.clip(rows + k, 0, h - 1)] = True
        across |= long_runs(mask & band[:, None], BAND_RUN * height, 0)
    rest = mask & ~across
    # a box's sides: runs down the rest that touch a horizontal rule at both ends
    near = across | np.roll(across, 1, 0) | np.roll(across, -1, 0)
    near |= np.roll(near, 1, 0) | np.roll(near, -1, 0)
    sides = np.zeros_like(mask)
    if across.any():
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
        sides |= leaning_sides(rest, near, height)
    return uncrossed(across, down | sides, mask)


def leaning_sides(rest: np.ndarray, near: np.ndarray, height: float) -> np.ndarray:
    """The sides of boxes in a photo taken at a slant, which lean from the upright:
    components of ``rest`` (H, W) bool (the ink less its rules) at least half a digit
    ``height`` tall that are straight thin bars leaning at most SIDE_LEAN_TAN from
    upright, their top and bottom ends on a rule (``near`` (H, W) bool: a rule's pixels
    and those next to them). (H, W) bool."""
    labels, comps = label(rest)
    out = np.zeros_like(rest)
    for c in comps:
        if c.height < max(0.5 * height, 3) or c.width > c.height * SIDE_LEAN_TAN + SIDE_THICK:
            continue
        own = labels[c.y0 : c.y1, c.x0 : c.x1] == c.label
        count = own.sum(axis=1)
        if count.max() > SIDE_THICK or not count.all():
            continue  # (a digit's curve or bar, or two pieces)
        centre = (own * np.arange(c.width)).sum(axis=1) / count
        along, across = np.arange(c.height) - (c.height - 1) / 2, centre - centre.mean()
        slope = (along * across).sum() / (along * along).sum()  # least squares
        if np.abs(across - slope * along).max() > SIDE_MISS:
            continue  # not straight
        above = near[max(c.y0 - 1, 0), c.x0 : c.x1] & own[0]
        below = near[min(c.y1, rest.shape[0] - 1), c.x0 : c.x1] & own[-1]
        if above.any() and below.any():
            out[c.y0 : c.y1, c.x0 : c.x1] |= own
    return out


def uncrossed(across: np.ndarray, upright: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The lines ``across`` and ``upright`` (H, W) bool but where a stroke of mask (H, W)
    that is no line crosses them or ends on them (:func:`crossed`): taking those pixels
    out with the line would cut every digit a line passes through in two (a
    strike-through halves them all). (H, W) bool."""
    other = mask & ~(across | upright)
    return (across & ~crossed(across, other)) | (upright & ~crossed(upright.T, other.T).T)


def crossed(lines: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The pixels of horizontal ``lines`` (H, W) bool that ``other`` ink (H, W) bool
    crosses or ends on: in each column, a run of line pixels with other ink just above
    or just below it. (H, W) bool."""
    if not lines.any():
        return np.zeros_like(lines)
    down = lines.T  # each column as a row: its runs of line pixels, numbered (0: none)
    starts, ends = down.copy(), down.copy()
    starts[:, 1:] &= ~down[:, :-1]
    ends[:, :-1] &= ~down[:, 1:]
    run = np.cumsum(starts.ravel(), dtype=np.int32).reshape(down.shape) * down
    ink = other.T
    hit = np.zeros(int(run.max()) + 1, bool)
    hit[run[:, 1:][starts[:, 1:] & ink[:, :-1]]] = True  # ink just above the run's top
    hit[run[:, :-1][ends[:, :-1] & ink[:, 1:]]] = True  # or just below its bottom
    hit[0] = False
    return hit[run].T


def rule_angle(mask: np.ndarray, most: float = 15.0, step: float = 0.25) -> float:
    """Degrees that the long straight lines of mask (H, W) rise to the right by (ruled or
    squared paper, a sheet's edge, turned with the photo), as ``segment.level_angle``
    gives them; 0 when no line crosses most of the picture. Each angle's ink is counted
    along lines of that slope; a rule is a count of 0.6 of the picture's width."""
    ys, xs = np.nonzero(mask)
    _h, w = mask.shape
    if len(xs) == 0 or w < 20:
        return 0.0
    if len(xs) > 200_000:  # a sample is as good for finding a line
        pick = np.random.default_rng(0).choice(len(xs), 200_000, replace=False)
        ys, xs, keep = ys[pick], xs[pick], 200_000 / len(mask.nonzero()[0])
    else:
        keep = 1.0
    angles = np.arange(-most, most + step / 2, step)
    slopes = np.tan(np.radians(angles))
    counts = np.empty(len(angles))
    per = max(1, ANGLE_WORK // len(xs))  # angles counted at once, memory bounded
    for a in range(0, len(angles), per):
        shifted = np.rint(ys - slopes[a : a + per, None] * xs).astype(np.int64)
        shifted -= shifted.min(axis=1, keepdims=True)
        span = int(shifted.max()) + 1  # each angle's counts in a stretch of its own
        shifted += np.arange(len(shifted))[:, None] * span
        found = np.bincount(shifted.ravel(), minlength=len(shifted) * span)
        counts[a : a + per] = found.reshape(len(shifted), span).max(axis=1) / keep
    k = int(np.argmax(counts))  # (the first of equal counts, as the steep side is tried first)
    best, best_count = float(angles[k]), counts[k]
    return best if best_count >= 0.6 * w else 0.0
