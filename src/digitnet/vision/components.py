"""Connected components of a binary mask (8-connectivity), from runs of ink per row.

Each row's runs of True pixels are joined to the runs they touch in the row above
(union-find), so the work grows with the number of runs, not of pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Component:
    """One blob of ink: its box (x0, y0, x1, y1: x1/y1 exclusive), pixel count, and the
    centre of its columns."""

    label: int
    x0: int
    y0: int
    x1: int
    y1: int
    area: int

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
    """Labels (H, W) int32 (0: background, 1..K: components) and the K components."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    starts_r, starts_c = np.nonzero(edges == 1)
    _, ends_c = np.nonzero(edges == -1)  # same order: row-major, paired run by run
    parent = list(range(len(starts_r)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_first = np.searchsorted(starts_r, np.arange(h + 1))
    for r in range(1, h):
        above = range(row_first[r - 1], row_first[r])
        j = above.start
        for i in range(row_first[r], row_first[r + 1]):
            # runs above that overlap [start - 1, end] (8-connectivity)
            while j < above.stop and ends_c[j] < starts_c[i]:
                j += 1
            k = j
            while k < above.stop and starts_c[k] <= ends_c[i]:
                a, b = find(i), find(k)
                if a != b:
                    parent[max(a, b)] = min(a, b)
                k += 1
    roots = np.array([find(i) for i in range(len(parent))], np.int64)
    _, run_label = np.unique(roots, return_inverse=True)
    labels = np.zeros((h, w), np.int32)
    comps: dict[int, list[int]] = {}
    for i, lab in enumerate(run_label.tolist()):
        r, c0, c1 = int(starts_r[i]), int(starts_c[i]), int(ends_c[i])
        labels[r, c0:c1] = lab + 1
        box = comps.get(lab)
        if box is None:
            comps[lab] = [c0, r, c1, r + 1, c1 - c0]
        else:
            box[0], box[1] = min(box[0], c0), min(box[1], r)
            box[2], box[3] = max(box[2], c1), max(box[3], r + 1)
            box[4] += c1 - c0
    return labels, [Component(lab + 1, *comps[lab]) for lab in sorted(comps)]
