"""Where one digit of a line may end and the next begin: candidate cuts along x.

The first look is cheap: the edges of the ink's connected components, and inside a
component that may be more than one digit (digits that touch), the valleys of its
column profile. Where digits overlap rather than touch, every column crosses both and
there is no valley; so where the reader is unsure of what it read from a very wide
component, the line is looked at closer: that component is also cut every GRID line
heights.
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


def is_wide(c: Component, height: float) -> bool:
    """Whether component c may hold several digits, in a line ``height`` pixels high."""
    return c.width > WIDE * height


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
