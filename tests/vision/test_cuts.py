"""Candidate cuts, and the closer look where the reader is unsure."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet.data import load
from digitnet.vision import cuts
from digitnet.vision.components import label
from digitnet.vision.preprocess import ink_intensity
from digitnet.vision.read import load_reader, load_readers, read_image
from digitnet.vision.segment import best_path, candidates, normalise, read_line
from digitnet.vision.synth import make_line


def test_a_closer_look_cuts_only_the_components_it_is_given():
    mask = np.zeros((40, 200), bool)
    for x0 in (10, 100):  # two pairs of touching diamonds: one valley each, where they meet
        for k in range(60):
            h = 1 + min(k % 30, 29 - k % 30)
            mask[20 - h : 20 + h, x0 + k] = True
    _, comps = label(mask)
    assert len(comps) == 2
    first = cuts.cut_candidates(mask, comps, 20.0)
    closer = cuts.cut_candidates(mask, comps, 20.0, closer=[comps[1]])
    added = sorted(set(closer) - set(first))
    assert set(first) <= set(closer)
    assert added and all(100 < x < 160 for x in added)  # only inside the one given
    inside = [x for x in closer if 100 <= x <= 160]
    assert max(np.diff(inside)) <= 2 * 20 * cuts.GRID  # a fine grid (merged with the valley)


def test_overlapping_digits_are_read_on_a_closer_look(mnist):
    images, labels = mnist["test"]
    line = make_line(images, labels, np.random.default_rng(152), digits=2, touching=1.0)
    assert line.text == "70"  # the 7's foot runs into the 0: no valley between them
    model = load_reader().model
    ink = ink_intensity(line.image)
    first = candidates(ink)
    probs = normalise(model.predict_proba(first.crops.reshape(len(first.crops), 784)))
    first_look = "".join(str(probs[first.spans[s][4]].argmax()) for s in best_path(first, probs))
    assert first_look != "70"  # no valley to cut at: the first look reads it wrong
    assert read_line(ink, model.predict_proba, 0).text == "70"  # the closer look, right


def test_lines_with_touching_digits_are_mostly_read_right(mnist):
    images, labels = mnist["test"]
    rng = np.random.default_rng(11)
    lines = [make_line(images, labels, rng) for _ in range(40)]  # a third of gaps touch
    readers = load_readers()
    right = sum(read_image(line.image, readers, 0).text == line.text for line in lines)
    assert right >= 34  # (40 today) BENCHMARKS.md measures 500 lines of seed 0


@pytest.fixture(scope="module")
def usps_lines(data_dir):
    """The first 18 lines of USPS validation digits that make_line draws from seed 0."""
    if not (data_dir / "usps" / "zip.train.gz").exists():
        pytest.skip("USPS not in the data folder")
    images, labels = load("usps", "validation", data_dir, allow_download=False)
    rng = np.random.default_rng(0)
    return [make_line(images, labels, rng) for _ in range(18)]


def test_a_one_touching_its_neighbour_is_cut_from_it(usps_lines):
    line = usps_lines[15]
    assert line.text == "16"  # the 1 runs into the 6: one component 0.68 heights wide
    assert read_image(line.image, load_readers(), 0).text == "16"


def test_two_ones_run_together_are_read_as_two(usps_lines):
    line = usps_lines[17]
    assert line.text == "11"  # one component 0.33 heights wide: a thick 1's width
    assert read_image(line.image, load_readers(), 0).text == "11"


def test_two_strokes_are_found_where_their_ink_only_brushes():
    own = np.zeros((40, 14), bool)
    own[:, 0:6] = own[:, 8:14] = True  # two bars...
    own[18:22, 6:8] = True  # ...that touch at the middle
    clean = own * 1.0
    assert cuts.two_strokes(clean, own, 40.0) in (6, 7)
    assert cuts.two_strokes(np.ones((40, 14)), np.ones((40, 14), bool), 40.0) is None  # one
    short = own.copy()
    short[:20, 8:14] = False  # a bar and a short stub: no second stroke
    assert cuts.two_strokes(short * 1.0, short, 40.0) is None
    assert cuts.two_strokes(clean, own, 100.0) is None  # in taller writing: one stroke


def test_two_pieces_side_by_side_are_not_read_as_one():
    ink = np.zeros((60, 200))
    ink[10:50, 20:26] = 1.0  # a bar, a wide gap, and another bar
    ink[10:50, 80:86] = 1.0
    found = candidates(ink)
    widths = [(box[2] - box[0]) / found.height for *_, box, _, _ in found.spans]
    assert len(found.crops) == 2 and max(widths) < 0.5  # each bar alone, never both in one


def test_a_narrow_six_is_not_cut_as_two_ones(mnist):
    from digitnet.vision.world import make_world_line

    images, labels = mnist["test"]
    rng = np.random.default_rng(5)
    line = [make_world_line(images, labels, rng, "camera") for _ in range(45)][44]
    assert line.text == "5635365"  # the last 6 is a narrow "(" with a small loop: its
    # stem and the loop's side are two strokes, but the loop's is not a 1's height
    assert read_image(line.image, load_readers(), 0).text == "5635365"


def test_a_blot_at_the_pictures_edge_does_not_set_the_line_height():
    from digitnet.vision.segment import digit_components

    mask = np.zeros((120, 300), bool)
    for x in (20, 70, 120):  # three digits' strokes, 30 pixels high
        mask[40:70, x : x + 4] = True
        mask[40:44, x : x + 15] = True
    mask[10:120, 250:300] = True  # a shadow at the right edge, over three times as tall
    assert digit_components(mask)[2] == 30
    assert digit_components(mask[40:70, 20:135])[2] == 30  # a tight crop: all at the edge
    tight = mask[40:70, 20:135].copy()
    tight[12:14, 60:62] = True  # and a speck inside it: no digit is taken for a blot
    assert digit_components(tight)[2] == 30


def test_the_stroke_width_is_measured_on_a_digit_not_on_a_shadow(mnist):
    from digitnet.vision.segment import writing_size
    from digitnet.vision.world import make_world_line

    images, labels = mnist["test"]
    rng = np.random.default_rng(2)
    line = [make_world_line(images, labels, rng) for _ in range(32)][31]
    assert line.text == "342"  # thin green digits, 34 pixels high, a dark shadow at the
    # left edge twice as tall: the strokes were measured on the shadow (17 pixels)
    height, stroke = writing_size(ink_intensity(line.image))
    assert 30 <= height <= 40 and stroke < 5


def test_firm_pieces_of_a_lightly_pressed_stroke_join_again():
    from digitnet.vision.segment import bridged

    mask = np.zeros((40, 60), bool)
    mask[5:15, 10:12] = mask[17:25, 10:12] = True  # a stroke, two rows missing
    faint = mask.copy()
    faint[5:25, 10:12] = True  # where the pen pressed lightly: faint, not firm
    faint[:, 30:] = True  # a faint printed pattern, touching...
    mask[5:20, 28:30] = True  # ...another stroke
    out = bridged(mask, faint, 2)
    assert out[15:17, 10:12].all()  # the gap closed
    assert out[5:20, 30:32].all() and not out[:, 32:].any()  # the pattern gives a rim
    assert not out[:, 13:27].any()  # and no ink where there was none


def test_a_four_whose_stem_is_faint_keeps_its_stem(mnist):
    from digitnet.vision.world import make_world_line

    images, labels = mnist["test"]
    rng = np.random.default_rng(1)
    line = [make_world_line(images, labels, rng, "pen") for _ in range(25)][24]
    assert line.text == "49"  # the pen pressed lightly on the 4's stem: only some of
    # it is firm, and the 4 (bar, stem and arm) is too wide to be taken whole when faint
    assert read_image(line.image, load_readers(), 0).text == "49"
