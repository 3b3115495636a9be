"""Printed lines (a form box's sides, whole or dashed) are not read as the writer's 1s."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitnet.vision.preprocess import ink_intensity
from digitnet.vision.read import load_readers, read_image
from digitnet.vision.segment import prepare


def digits_and_bar(images, labels, text: str, grey: int, width: int) -> Image.Image:
    """MNIST test digits ``text`` written dark, 56 px high, on white paper, and an upright
    bar 78 px tall (grey level ``grey``, ``width`` px wide) after the second digit."""
    img = Image.new("L", (100 + 62 * len(text), 160), 250)
    x = 40
    for k, ch in enumerate(text):
        digit = images[int(np.flatnonzero(labels == int(ch))[k])].astype(np.uint8)
        ink = Image.fromarray(digit).resize((56, 56))
        img.paste(Image.fromarray(255 - digit).resize((56, 56)), (x, 50), ink)
        x += 62
        if k == 1:
            ImageDraw.Draw(img).line([(x + 4, 34), (x + 4, 112)], fill=grey, width=width)
            x += 14
    return img


@pytest.fixture(scope="module")
def readers():
    return load_readers()


def test_a_thin_grey_side_between_digits_is_no_1(mnist, readers):
    images, labels = mnist["test"]
    img = digits_and_bar(images, labels, "2580", grey=120, width=2)
    assert read_image(img, readers, 0).text == "2580"
    line = prepare(ink_intensity(img))
    (bar,) = [c for c in line.comps if c.label in line.printed]
    assert bar.height > 1.2 * line.height and bar.width <= 4


def test_a_bar_in_the_writers_own_pen_is_still_a_1(mnist, readers):
    images, labels = mnist["test"]
    img = digits_and_bar(images, labels, "2580", grey=20, width=6)
    assert not prepare(ink_intensity(img)).printed
    assert read_image(img, readers, 0).text == "25180"


@pytest.mark.parametrize(("index", "text"), [(21, "68"), (37, "542819")])
def test_the_sides_of_a_faint_form_box_are_no_1s(mnist, readers, index, text):
    from digitnet.vision.world import make_world_line

    images, labels = mnist["test"]
    rng = np.random.default_rng(2)
    line = [make_world_line(images, labels, rng, "background") for _ in range(index + 1)][index]
    assert line.text == text  # in a box of thin grey cells, a side dashed where it is faint
    assert read_image(line.image, readers, 0).text == text
