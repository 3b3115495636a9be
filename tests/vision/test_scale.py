"""The working size, the paper's level, ruled lines and a sheet on a table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitnet.vision.preprocess import central, convex_share, percentile, sheet, stroke_width
from digitnet.vision.scale import (
    block_for,
    crossed,
    long_runs,
    opening,
    paper_level,
    pool,
    rule_angle,
    rules,
    running,
    working_factor,
)


def test_pool_keeps_a_hairline():
    ink = np.zeros((40, 40))
    ink[:, 17] = 1.0  # one pixel wide
    small = pool(ink, 8)
    assert small.shape == (5, 5)
    assert small.max() >= 0.5  # half its darkness at least, as the mean alone gives 1/8


def test_working_factor_keeps_strokes():
    assert working_factor(60) == 1
    assert working_factor(640) == 10
    assert working_factor(640, stroke=6) == 4  # strokes stay 1.5 pixels wide


def test_paper_level_never_eats_a_thick_stroke():
    ink = np.full((128, 128), 0.1)
    ink[10:118, 40:61] = 0.9  # a felt pen: 21 pixels, a sixth of the digit's 128
    ink[60:81, 10:118] = 0.9  # crossing another such stroke
    clean = ink - paper_level(ink, block_for(128))
    assert clean[64, 50] > 0.7 and clean[70, 100] > 0.7


def running_one_by_one(values: np.ndarray, k: int, pick, axis: int) -> np.ndarray:
    """running's definition: each window of k about each value, cut at the edges."""
    a = np.moveaxis(values, axis, -1)
    out = np.empty_like(a)
    for i in range(a.shape[-1]):
        lo, hi = max(0, i - k // 2), min(a.shape[-1], i - k // 2 + k)
        out[..., i] = pick.reduce(a[..., lo:hi], axis=-1)
    return np.moveaxis(out, -1, axis)


def test_running_min_and_max_are_their_window_by_window_definition():
    rng = np.random.default_rng(3)
    for _ in range(150):
        values = rng.random((rng.integers(1, 30), rng.integers(1, 30)))
        k = int(rng.integers(1, 40))
        for pick in (np.minimum, np.maximum):
            for axis in (0, 1):
                want = running_one_by_one(values, k, pick, axis)
                assert np.array_equal(running(values, k, pick, axis), want)


def test_opening_keeps_a_shadow_and_takes_away_strokes():
    ink = np.zeros((100, 160))
    ink[:, 90:] = 0.4  # a shadow over the right of the sheet
    ink[20:80, 30:40] = 0.9  # a stroke 10 pixels wide...
    ink[20:80, 120:130] = 0.9  # ...and one in the shadow
    opened = opening(ink, 32)
    assert np.allclose(opened[:, 90:], 0.4) and np.allclose(opened[:, :90], 0.0)


def test_the_paper_level_follows_a_shadows_sharp_edge():
    ink = np.full((120, 240), 0.05)
    ink[:, 130:] = 0.45  # a hard shadow's edge down the sheet
    ink[30:90, 60:66] = 0.95  # a digit's stroke on either side of it
    ink[30:90, 180:186] = 0.95
    clean = np.clip(ink - paper_level(ink, 40), 0, None)
    assert clean[:, 70:170].max() < 0.05  # no band of shadow left along the edge as ink
    assert clean[60, 62] > 0.8 and clean[60, 182] > 0.4  # the strokes stay


def test_stroke_width_of_a_bar():
    mask = np.zeros((60, 60), bool)
    mask[10:50, 20:26] = True
    assert 5 <= stroke_width(mask) <= 7


def test_long_runs_find_a_wandering_line_not_a_digit():
    mask = np.zeros((30, 200), bool)
    for x in range(200):
        mask[10 + x // 100, x] = True  # a line that steps down a row half-way
    mask[5:25, 50:53] = True  # a digit's stroke crossing it
    found = long_runs(mask, 150)
    assert found[10, :100].all() and found[11, 100:].all()
    assert not found[5:9, 50:53].any()


def test_rules_take_out_a_ruled_line_and_box_sides_not_a_digit():
    mask = np.zeros((80, 300), bool)
    mask[60:62, :] = True  # a ruled line under the digits
    mask[10:62, 40:43] = True  # a "1" standing on it
    mask[10:12, 100:290] = True  # a box's top...
    mask[10:62, 100:102] = True  # ...its sides
    mask[10:62, 288:290] = True
    lines = rules(mask, 50.0)
    assert lines[60:62, :40].all() and lines[60:62, 43:].all() and lines[10:12, 100:290].all()
    assert not lines[60:62, 40:43].any()  # where the 1 stands on the line, the 1 goes on
    assert lines[20:50, 100:102].all() and lines[20:50, 288:290].all()
    assert not lines[10:58, 40:43].any()


def test_rules_take_out_box_sides_that_lean_in_a_slanted_photo_not_a_slanted_1():
    img = Image.new("L", (300, 90), 0)
    d = ImageDraw.Draw(img)
    d.line([(20, 10), (280, 10)], fill=255, width=2)  # a row of boxes: top and bottom...
    d.line([(20, 70), (280, 70)], fill=255, width=2)
    for x in (20, 85, 150, 215, 280):  # ...and sides leaning 5 degrees (perspective)
        d.line([(x + 3, 10), (x - 2, 70)], fill=255, width=2)
    d.line([(60, 20), (50, 62)], fill=255, width=3)  # a slanted 1 inside a box
    mask = np.asarray(img) > 128
    lines = rules(mask, 50.0)
    for x in (20, 85, 150, 215, 280):
        assert lines[40, x - 3 : x + 3].any()  # each side, half way down
    assert not lines[25:58, 48:62].any()  # the 1 stays


def test_rule_angle_of_turned_ruled_paper():
    img = Image.new("L", (400, 200), 0)
    d = ImageDraw.Draw(img)
    for y in range(20, 200, 40):
        d.line([(0, y), (400, y)], fill=255, width=2)
    turned = np.asarray(img.rotate(5, resample=Image.BILINEAR)) > 128
    assert abs(rule_angle(turned) - 5) <= 0.5 or abs(rule_angle(turned) + 5) <= 0.5
    assert rule_angle(np.zeros((50, 50), bool)) == 0.0


def test_a_sheet_on_a_table_is_found_a_white_digit_is_not():
    img = Image.new("L", (300, 200), 60)  # a dark table
    d = ImageDraw.Draw(img)
    d.polygon([(40, 30), (260, 45), (250, 170), (30, 160)], fill=235)  # the sheet
    d.line([(100, 80), (100, 130)], fill=20, width=5)  # writing on it
    page = sheet(np.asarray(img, np.float64) / 255)
    assert page is not None and page[100, 150] and not page[5, 5] and page[100, 100]
    digit = Image.new("L", (84, 84), 0)
    ImageDraw.Draw(digit).ellipse([20, 10, 64, 74], outline=255, width=9)  # a white 0
    assert sheet(np.asarray(digit, np.float64) / 255) is None


@pytest.mark.parametrize("side", [16, 64])
def test_a_bold_light_digit_filling_a_black_picture_is_no_sheet(side):
    from PIL import ImageFilter

    img = Image.new("L", (64, 64), 0)  # USPS's form: a digit filling its box
    ImageDraw.Draw(img).ellipse([8, 0, 56, 63], outline=255, width=18)  # a bold 0
    img = img.filter(ImageFilter.GaussianBlur(2)).resize((side, side), Image.BILINEAR)
    assert sheet(np.asarray(img, np.float64) / 255) is None


def test_a_long_sheet_turned_on_a_table_is_found_its_short_sides_cornered():
    img = Image.new("L", (380, 200), 60)
    strip = Image.new("L", (300, 70), 235)  # a long narrow slip of paper...
    ImageDraw.Draw(strip).line([(60, 15), (60, 55)], fill=20, width=5)
    img.paste(strip.rotate(12, expand=True, fillcolor=60), (30, 20))  # ...turned 12°
    assert sheet(np.asarray(img, np.float64) / 255) is not None


def test_a_sheet_half_in_shadow_is_found_whole():
    img = Image.new("L", (300, 200), 90)
    d = ImageDraw.Draw(img)
    d.polygon([(60, 50), (250, 60), (245, 160), (55, 150)], fill=235)
    d.line([(100, 80), (100, 130)], fill=20, width=5)
    yy, xx = np.mgrid[:200, :300]
    shade = np.clip(0.45 + (xx + yy - 120) / 300, 0.45, 1.0)  # a soft shadow over its corner
    page = sheet(np.asarray(img, np.float64) / 255 * shade)
    assert page is not None and page[100, 150] and page[70, 80] and not page[5, 5]


def test_a_line_struck_through_a_digit_leaves_the_digit_whole():
    from digitnet.vision.components import label

    img = Image.new("L", (300, 80), 0)
    d = ImageDraw.Draw(img)
    d.ellipse([100, 10, 140, 70], outline=255, width=5)  # a 0...
    d.line([(0, 40), (300, 40)], fill=255, width=3)  # ...struck through
    mask = np.asarray(img) > 128
    lines = rules(mask, 60.0)
    assert lines[39:42, :95].all() and lines[39:42, 110:130].all()
    assert not lines[39:42, 101:104].any()  # where the 0's stroke crosses, the 0's
    assert len(label(mask & ~lines)[1]) == 1  # the 0 in one piece


def test_central_keeps_the_middle_digit_and_its_pieces():
    mask = np.zeros((40, 90), bool)
    mask[5:35, 0:6] = True  # a neighbour's fragment at the left edge
    mask[10:35, 40:46] = True  # the digit
    mask[5:8, 38:52] = True  # its separate top stroke (a 5's)
    mask[5:35, 84:90] = True  # a fragment at the right edge
    keep = central(mask)
    assert keep[10:35, 40:46].all() and keep[5:8, 38:52].all()
    assert not keep[:, :6].any() and not keep[:, 84:].any()


def crossed_row_by_row(lines: np.ndarray, other: np.ndarray) -> np.ndarray:
    """crossed's definition, a row at a time: a line pixel is crossed if other ink is
    just above (below) it, or above (below) the line pixel next to it in its run."""
    h = lines.shape[0]
    down, up = np.zeros_like(lines), np.zeros_like(lines)
    for r in range(1, h):
        down[r] = lines[r] & (other[r - 1] | down[r - 1])
        k = h - 1 - r
        up[k] = lines[k] & (other[k + 1] | up[k + 1])
    return down | up


def test_crossed_is_its_row_by_row_definition():
    rng = np.random.default_rng(0)
    for _ in range(200):
        h, w = rng.integers(1, 30), rng.integers(1, 40)
        lines = rng.random((h, w)) < rng.random()
        other = (rng.random((h, w)) < rng.random()) & ~lines
        assert (crossed(lines, other) == crossed_row_by_row(lines, other)).all()


def rule_angle_one_by_one(mask: np.ndarray, most: float = 15.0, step: float = 0.25) -> float:
    """rule_angle's definition for a mask of few pixels, an angle at a time."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0 or mask.shape[1] < 20:
        return 0.0
    best, best_count = 0.0, 0.0
    for degrees in np.arange(-most, most + step / 2, step):
        shifted = np.rint(ys - xs * math.tan(math.radians(degrees))).astype(np.int64)
        count = np.bincount(shifted - shifted.min()).max()
        if count > best_count:
            best, best_count = float(degrees), count
    return best if best_count >= 0.6 * mask.shape[1] else 0.0


def test_rule_angle_counts_every_angle_as_one_by_one():
    rng = np.random.default_rng(1)
    for _ in range(40):
        h, w = rng.integers(5, 80), rng.integers(20, 300)
        mask = rng.random((h, w)) < rng.random() * 0.2
        slope, y0 = rng.uniform(-0.25, 0.25), rng.integers(0, h)
        for x in range(w):  # a ruled line, turned
            if 0 <= round(y0 + slope * x) < h:
                mask[round(y0 + slope * x), x] = True
        assert rule_angle(mask) == rule_angle_one_by_one(mask)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_percentile_is_numpys(dtype):
    rng = np.random.default_rng(2)
    for _ in range(300):
        values = rng.random(rng.integers(1, 300)).astype(dtype)
        q = float(rng.choice([0, 10, 50, 60, 75, 99.9, 100, rng.uniform(0, 100)]))
        assert percentile(values, q) == float(np.percentile(values, q))


def test_convex_share_of_a_sheet_and_of_a_sheet_joined_to_the_table():
    rect = np.zeros((100, 150), bool)
    rect[10:60, 20:120] = True
    assert convex_share(rect) == 1.0
    im = Image.new("L", (200, 200))
    ImageDraw.Draw(im).polygon([(30, 20), (180, 40), (160, 150), (10, 120)], fill=1)
    quad = np.asarray(im) > 0  # a sheet in perspective
    assert convex_share(quad) > 0.97
    joined = quad.copy()
    joined[:60, :40] = True  # and a lit corner of the table beside it
    assert convex_share(joined) < 0.9


def test_a_lit_corner_of_the_table_is_not_taken_for_the_sheet():
    grey = np.full((300, 400), 0.1)
    im = Image.new("L", (400, 300))
    ImageDraw.Draw(im).polygon([(80, 60), (360, 80), (350, 250), (70, 230)], fill=1)
    paper = np.asarray(im) > 0
    grey[:120, :120] = 0.35  # the lamp's light on the table, touching the sheet's corner
    grey[paper] = 0.9
    grey[paper & (np.arange(400) > 250)[None, :]] = 0.45  # a shadow across the sheet's end
    found = sheet(grey)
    assert found is not None
    assert not found[:50, :50].any()  # (the lit table)
    assert found[150, 300]  # (the shadowed end of the sheet)
