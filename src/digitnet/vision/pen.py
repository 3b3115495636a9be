"""Digits written with a pen: each digit a few strokes (polylines) in a unit box, drawn
with Pillow at any size and stroke width.

MNIST's digits are all written one way, scanned and thickened alike. People bring other
hands and pens: a continental 1 with a long flag, a crossed 7, an open 4, a felt pen
three times as thick as a ballpoint. These strokes give the generator
(:mod:`digitnet.vision.synth`) and the tests digits of every size and stroke width with
known shapes. Coordinates: x from 0 (left) to WIDTH, y from 0 (top) to 1 (baseline).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

WIDTH = 0.62  # a digit's box is this wide for 1 high

Stroke = list[tuple[float, float]]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 16):
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, clockwise from 3 o'clock
    as seen on paper, since y grows downwards)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, n)
    ]


# Each style: strokes of one digit. Variants a writer may use are named "D-name".
STYLES: dict[str, list[Stroke]] = {
    "0": [arc(0.31, 0.5, 0.28, 0.48, 0, 360, 28)],
    "1": [[(0.18, 0.18), (0.36, 0.0), (0.36, 1.0)]],
    "1-plain": [[(0.31, 0.0), (0.31, 1.0)]],
    "1-flag": [[(0.02, 0.42), (0.36, 0.0), (0.36, 1.0)]],  # continental: a long flag
    "1-base": [[(0.16, 0.2), (0.34, 0.0), (0.34, 1.0)], [(0.12, 1.0), (0.56, 1.0)]],
    "2": [[*arc(0.3, 0.27, 0.27, 0.25, 190, 370, 12), (0.03, 1.0), (0.6, 1.0)]],
    "2-loop": [
        [
            *arc(0.3, 0.27, 0.27, 0.25, 190, 370, 12),
            (0.05, 0.95),
            *arc(0.13, 0.92, 0.09, 0.08, 270, 450, 8),
            (0.6, 0.98),
        ]
    ],
    "3": [arc(0.3, 0.26, 0.25, 0.24, 200, 450, 12), arc(0.3, 0.73, 0.29, 0.26, 270, 520, 14)],
    "3-flat": [[(0.05, 0.0), (0.55, 0.0), (0.25, 0.42)], arc(0.3, 0.7, 0.28, 0.29, 255, 520, 14)],
    "4": [[(0.42, 0.0), (0.02, 0.68), (0.6, 0.68)], [(0.46, 0.3), (0.46, 1.0)]],
    "4-open": [[(0.12, 0.0), (0.05, 0.6), (0.6, 0.6)], [(0.46, 0.1), (0.46, 1.0)]],
    "5": [[(0.56, 0.0), (0.1, 0.0), (0.06, 0.44), *arc(0.3, 0.7, 0.28, 0.29, 235, 500, 14)]],
    "5-apart": [
        [(0.1, 0.02), (0.06, 0.44), *arc(0.3, 0.7, 0.28, 0.29, 235, 500, 14)],
        [(0.12, 0.0), (0.58, 0.0)],
    ],
    "6": [
        [
            (0.52, 0.02),
            *arc(0.32, 0.68, 0.28, 0.31, 240, 160, 10),
            *arc(0.32, 0.7, 0.27, 0.29, 160, -200, 20),
        ]
    ],
    "7": [[(0.02, 0.0), (0.6, 0.0), (0.22, 1.0)]],
    "7-crossed": [[(0.02, 0.0), (0.6, 0.0), (0.22, 1.0)], [(0.16, 0.5), (0.54, 0.5)]],
    "8": [arc(0.31, 0.25, 0.22, 0.24, 0, 360, 20), arc(0.31, 0.73, 0.28, 0.26, 0, 360, 22)],
    "9": [[*arc(0.3, 0.3, 0.27, 0.28, 0, 360, 22), (0.56, 0.6), (0.5, 1.0)]],
    "9-straight": [[*arc(0.3, 0.3, 0.27, 0.28, 0, 360, 22), (0.57, 1.0)]],
}


def styles_of(digit: str) -> list[str]:
    """The style names of one digit ("7": ["7", "7-crossed"])."""
    return [s for s in STYLES if s.split("-")[0] == digit]


def draw_digit(
    draw: ImageDraw.ImageDraw,
    style: str,
    x: float,
    y: float,
    height: float,
    stroke: float,
    fill: int | tuple[int, ...] = 0,
    slant: float = 0.0,
    width: float = 1.0,
) -> tuple[int, int, int, int]:
    """Draw digit ``style`` with its top-left at (x, y), ``height`` pixels high, with lines
    ``stroke`` pixels wide, leaning right by ``slant`` (a shear: 0.2 is about 11°) and
    ``width`` times as wide as usual. Returns the box of its ink (x0, y0, x1, y1)."""
    xs, ys = [], []
    r = stroke / 2
    for line in STYLES[style]:
        pts = [(x + (px * width + slant * (1 - py)) * height, y + py * height) for px, py in line]
        draw.line(pts, fill=fill, width=max(1, round(stroke)), joint="curve")
        for px, py in pts:  # round ends, as a pen leaves them
            draw.ellipse([px - r, py - r, px + r, py + r], fill=fill)
            xs.append(px)
            ys.append(py)
    return (
        math.floor(min(xs) - r),
        math.floor(min(ys) - r),
        math.ceil(max(xs) + r),
        math.ceil(max(ys) + r),
    )


def draw_number(
    text: str,
    height: int,
    stroke: float,
    gap: float = 0.3,
    margin: float = 0.5,
    styles: dict[str, str] | None = None,
) -> Image.Image:
    """A white grey image of ``text`` written in black, ``height`` pixels high per digit,
    strokes ``stroke`` pixels wide, ``gap`` line heights apart, with ``margin`` line
    heights of paper around; ``styles`` picks a style per digit (default: the plain one)."""
    styles = styles or {}
    pad = round(margin * height + stroke)
    step = (WIDTH + gap) * height
    width = round(2 * pad + len(text) * step - gap * height)
    img = Image.new("L", (max(width, 1), round(height + 2 * pad)), 255)
    draw = ImageDraw.Draw(img)
    for k, ch in enumerate(text):
        draw_digit(draw, styles.get(ch, ch), pad + k * step, pad, height, stroke)
    return img
