"""The ink threshold: firm ink, and fainter ink joined to it where it is a digit's."""

from __future__ import annotations

import numpy as np

from digitnet.vision.segment import threshold

H = 40  # the digits' height in these pictures


def picture() -> np.ndarray:
    """Clean ink (80, 200) in [0, 1]: a firm bar at the far left (so that Otsu's
    threshold falls between paper and firm ink)."""
    clean = np.zeros((80, 200))
    clean[20:60, 5:9] = 1.0
    return clean


def test_a_wide_four_whose_pen_pressed_lightly_stays_whole():
    clean = picture()
    # an open 4, 0.9 heights wide: its crossbar firm, its strokes faint
    clean[20:45, 60:63] = 0.2  # the left stroke down to the bar
    clean[44:47, 60:96] = 1.0  # the crossbar, firm
    clean[20:60, 85:88] = 0.2  # the stem
    mask = threshold(clean, H)
    assert mask[20:45, 60:63].all() and mask[20:60, 85:88].all()


def test_an_equals_sign_with_faint_ends_is_not_joined_into_one_piece():
    clean = picture()
    clean[40:43, 120:156] = 1.0  # two firm bars 0.9 heights wide...
    clean[50:53, 120:156] = 1.0
    clean[43:50, 120:122] = 0.2  # ...joined by a faint smear at one end
    mask = threshold(clean, H)
    assert not mask[43:50, 120:122].any()
