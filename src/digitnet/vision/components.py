"""Connected components of a binary mask (8-connectivity), from runs of ink per row.

Each row's runs of True pixels touch the runs of the row above that overlap them, a
column either side included. Those pairs are found for all rows at once (two sorted
searches), and components are the classes of "touches": every run takes the smallest
index any of its neighbours points to (and so does the run it points to), and pointers
are followed to their end, until nothing changes. The work is a few array operations
per round, and grows with the number of runs, not of pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Component:
    """One blob of ink: its box (x0, y0, x1, y1: x1/y1 exclusive), pixel count, and the
    centre of its columns; ``split``: a column (from x0) where it may be two strokes side
    by side, if the reader found one (:func:`digitnet.vision.cuts.two_strokes`)."""

    label: int
    x0: int
    y0: int
    x1: int
    y1: int
    area: int
    split: int | None = None

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


def label(mask: np.ndarray) -> tuple[np.ndarray, list[Component]]:
    """Labels (H, W) int32 (0: background, 1..K: components, numbered in the order of
    their first pixel, row by row) and the K components."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # same order: row-major, paired run by run (end exclusive)
    labels = np.zeros((h, w), np.int32)
    if len(rows) == 0:
        return labels, []
    first, other = run_pairs(rows, starts, ends, w + 2)
    run_label = np.unique(join(len(rows), first, other), return_inverse=True)[1]
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths
    within = np.arange(lengths.sum()) - np.repeat(offsets, lengths)
    labels.flat[np.repeat(rows * w + starts, lengths) + within] = np.repeat(run_label + 1, lengths)
    k = int(run_label.max()) + 1
    x0, y0 = np.full(k, w), np.full(k, h)
    x1, y1 = np.zeros(k, np.int64), np.zeros(k, np.int64)
    np.minimum.at(x0, run_label, starts)
    np.minimum.at(y0, run_label, rows)
    np.maximum.at(x1, run_label, ends)
    np.maximum.at(y1, run_label, rows + 1)
    area = np.bincount(run_label, lengths, k).astype(np.int64)
    boxes = np.stack([x0, y0, x1, y1, area], axis=1).tolist()
    return labels, [Component(i + 1, *box) for i, box in enumerate(boxes)]


def run_pairs(
    rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (run, run in the row above that it touches) for runs sorted row by row:
    [starts, ends) in ``rows``; ``stride`` > the width, so positions are ordered."""
    begin, end = rows * stride + starts, rows * stride + ends
    lo = np.searchsorted(end, begin - stride, "left")  # the first above ending at ≥ start
    hi = np.searchsorted(begin, end - stride, "right")  # past the last above starting ≤ end
    counts = np.maximum(hi - lo, 0)
    runs = np.repeat(np.arange(len(rows)), counts)
    above = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts - lo, counts)
    return runs, above


def join(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For n items and the pairs (a[i], b[i]) that belong together: each item's smallest
    index of its class, (n,)."""
    root = np.arange(n)
    while True:
        low = np.minimum(root[a], root[b])
        new = root.copy()
        for items in (a, b, root[a], root[b]):  # the items and the roots they point to
            np.minimum.at(new, items, low)
        while True:  # follow the pointers (each points to a smaller index) to their end
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, root):
            return root
        root = new
