"""Connected components (8-connectivity) against a plain flood fill."""

from __future__ import annotations

import numpy as np

from digitnet.vision.components import label


def flood_fill_count(mask: np.ndarray) -> tuple[int, list[int]]:
    seen = np.zeros_like(mask, bool)
    areas = []
    h, w = mask.shape
    for y in range(h):
        for x in range(w):
            if mask[y, x] and not seen[y, x]:
                stack, area = [(y, x)], 0
                seen[y, x] = True
                while stack:
                    cy, cx = stack.pop()
                    area += 1
                    for dy in (-1, 0, 1):
                        for dx in (-1, 0, 1):
                            ny, nx = cy + dy, cx + dx
                            if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                                seen[ny, nx] = True
                                stack.append((ny, nx))
                areas.append(area)
    return len(areas), sorted(areas)


def test_components_match_a_flood_fill_on_random_masks():
    rng = np.random.default_rng(0)
    for density in (0.2, 0.4, 0.55):
        mask = rng.random((40, 60)) < density
        labels, comps = label(mask)
        count, areas = flood_fill_count(mask)
        assert len(comps) == count
        assert sorted(c.area for c in comps) == areas
        assert ((labels > 0) == mask).all()
        for c in comps:
            ys, xs = np.nonzero(labels == c.label)
            assert (c.x0, c.y0, c.x1, c.y1) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


def test_diagonal_touch_joins_and_empty_mask_has_none():
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = mask[1, 1] = mask[3, 3] = True
    _, comps = label(mask)
    assert sorted(c.area for c in comps) == [1, 2]
    assert label(np.zeros((3, 5), bool))[1] == []
