"""A shadow's hard edge across the sheet is paper in shade, not ink."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.vision.read import load_readers, read_image


@pytest.mark.parametrize(("seed", "index", "text"), [(2, 31, "342"), (3, 49, "3181")])
def test_digits_across_a_shadows_edge_are_read(mnist, seed, index, text):
    from digitnet.vision.world import make_world_line

    images, labels = mnist["test"]
    rng = np.random.default_rng(seed)
    line = [make_world_line(images, labels, rng, None) for _ in range(index + 1)][index]
    assert line.text == text  # a shadow with a sharp edge falls across the writing: the
    # paper's level taken in blocks spread smoothly over the edge and left a band of
    # shade beside it as ink, which swallowed the digits near it
    assert read_image(line.image, load_readers(), 0).text == text
