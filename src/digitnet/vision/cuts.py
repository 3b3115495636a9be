"""Where one digit of a line may end and the next begin: candidate cuts along x.

The first look is cheap: the edges of the ink's connected components, and inside a
component that may be more than one digit (digits that touch), the valleys of its
column profile. Where digits overlap rather than touch, every column crosses both and
there is no valley; so where the reader is unsure of what it read from a very wide
component, the line is looked at closer: that component is also cut every GRID line
heights. Two 1s run together are no wider than one thick 1 and show no valley in the
mask; they are cut where the ink between their strokes is faint (:func:`two_strokes`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from digitnet.vision.components import Component

WIDE = 0.5  # a component wider than this (in line heights) may hold several digits (a
# 1 touching a 6 can be 0.6-0.7 wide)
CLOSER = 0.7  # one wider than this is looked at closer where the reader is unsure (a
# narrower one holds at most a digit and a 1, and a valley is where they meet)...
GRID = 0.2  # ...and cut every GRID line heights
NARROWEST = 0.2  # a component between this and WIDE line heights wide...
TWO_TALL = 0.8  # ...with two strokes side by side, each this share of its height...
TWO_DEPTH = 0.9  # ...and its columns' ink between them at most this share of the lower
# stroke's, may be two 1s run together: it is cut between them


def is_wide(c: Component, height: float) -> bool:
    """Whether component c may hold several digits, in a line ``height`` pixels high."""
    return c.width > WIDE * height or c.split is not None


def is_very_wide(c: Component, height: float) -> bool:
    """Whether component c is worth a closer look, in a line ``height`` pixels high."""
    return c.width > CLOSER * height


def cut_candidates(
    mask: np.ndarray, comps: list[Component], height: float, closer: Iterable[Component] = ()
) -> list[int]:
    """Sorted x positions where a digit may begin or end in mask (H, W); the components
    ``closer`` are also cut every GRID line heights."""
    cuts = set()
    for c in comps:
        cuts.update((c.x0, c.x1))
        if c.split is not None:
            cuts.add(c.x0 + c.split)
        if is_wide(c, height):
            cuts.update(c.x0 + x for x in valleys(mask[c.y0 : c.y1, c.x0 : c.x1]))
    step = max(2, round(height * GRID))
    for c in closer:
        cuts.update(range(c.x0 + step, c.x1 - step + 1, step))
    ordered = sorted(cuts)
    merged = [ordered[0]]
    for x in ordered[1:]:
        if x - merged[-1] >= 2:
            merged.append(x)
        else:
            merged[-1] = x
    return merged


def valleys(mask: np.ndarray) -> list[int]:
    """Columns of mask (h, w) where the smoothed count of ink is a low local minimum."""
    profile = mask.sum(axis=0).astype(np.float64)
    smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
    low = np.percentile(smooth, 60)
    out = []
    for i in range(1, len(smooth) - 1):
        left, right = smooth[max(0, i - 3) : i], smooth[i + 1 : i + 4]
        if smooth[i] <= low and smooth[i] <= left.min() and smooth[i] <= right.min():
            out.append(i)
    return out


def two_strokes(clean: np.ndarray, own: np.ndarray, height: float) -> int | None:
    """The column between two tall strokes side by side in a component's ink, or None:
    clean (h, w) ink in [0, 1] and own (h, w) bool, its pixels, in a line ``height``
    pixels high. Two 1s written close run into one component no wider than a thick 1,
    and the mask has no valley between them; the ink has, where the strokes only
    brush. A component narrower than NARROWEST or wider than WIDE has none (it is one
    stroke, or its valleys are cut anyway)."""
    h, w = own.shape
    if not NARROWEST * height < w <= WIDE * height:
        return None
    profile = np.convolve((clean * own).sum(axis=0), np.ones(3) / 3, mode="same")
    rows = np.arange(h)[:, None]
    tall = np.where(own, rows, -1).max(axis=0) - np.where(own, rows, h).min(axis=0) + 1
    best, at = TWO_DEPTH, None
    for x in range(2, w - 2):
        if profile[x] > profile[x - 1] or profile[x] > profile[x + 1]:
            continue  # not a valley
        left, right = int(profile[:x].argmax()), x + 1 + int(profile[x + 1 :].argmax())
        depth = profile[x] / max(min(profile[left], profile[right]), 1e-9)
        if depth <= best and min(tall[left], tall[right]) >= TWO_TALL * h:
            best, at = depth, x
    return at
