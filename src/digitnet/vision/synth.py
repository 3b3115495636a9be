"""Lines of handwritten digits on paper, made from MNIST images, with the true string.

For tests and benchmarks of reading whole numbers: each digit is an MNIST image (use
the *test* set, which no model trained on) cropped to its ink, scaled to a jittered
height and set on a line with a jittered baseline. Gaps vary; a share of them are
touching or slightly overlapping. The line is then turned a little, printed as dark ink
on paper with uneven light and texture, blurred and JPEG-compressed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter


@dataclass
class Line:
    """A synthetic line: the picture (RGB, dark ink on light paper), its digits, and each
    digit's box (x0, y0, x1, y1; x1, y1 exclusive) in the picture."""

    image: Image.Image
    text: str
    boxes: list[tuple[int, int, int, int]]


def crop_to_ink(img: np.ndarray) -> np.ndarray:
    """The smallest box (h, w) holding every non-zero pixel of img (H, W)."""
    rows, cols = np.nonzero(img)
    return img[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def make_line(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    digits: int | tuple[int, int] = (2, 8),
    touching: float = 1 / 3,
    height: tuple[int, int] = (28, 48),
    jpeg: bool = True,
) -> Line:
    """One line from MNIST images (N, 28, 28) uint8 and their labels (N,).

    digits: a count or an inclusive range to draw from; touching: the share of gaps that
    touch or overlap (by up to 15% of a digit's width); height: the range of the line's
    digit height in pixels (each digit varies ±12% around it, its baseline ±8%).
    """
    n = digits if isinstance(digits, int) else int(rng.integers(digits[0], digits[1] + 1))
    picks = rng.integers(0, len(images), n)
    line_h = rng.uniform(*height)
    pieces = []
    for k in picks:
        ink = crop_to_ink(images[k]).astype(np.float32) / 255
        h = max(4, round(line_h * rng.uniform(0.88, 1.12)))
        w = max(2, round(ink.shape[1] * h / ink.shape[0]))
        img = Image.fromarray((ink * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
        pieces.append(np.asarray(img, np.float32) / 255)

    margin = round(line_h * 0.6)
    xs, x = [], margin
    for i, p in enumerate(pieces):
        if i:
            if rng.random() < touching:
                x -= round(rng.uniform(0, 0.15) * min(p.shape[1], pieces[i - 1].shape[1]))
            else:
                x += round(rng.uniform(0.12, 0.6) * line_h)
        xs.append(x)
        x += p.shape[1]
    width = x + margin
    canvas = np.zeros((round(line_h * 1.6) + 2 * margin, width), np.float32)
    corners = []
    for p, x0 in zip(pieces, xs, strict=True):
        y0 = margin + round(line_h * (0.3 + rng.uniform(-0.08, 0.08))) + round(line_h) - p.shape[0]
        region = canvas[y0 : y0 + p.shape[0], x0 : x0 + p.shape[1]]
        np.maximum(region, p[: region.shape[0], : region.shape[1]], out=region)
        corners.append((x0, y0, x0 + p.shape[1], y0 + p.shape[0]))

    degrees = rng.uniform(-3, 3)
    ink = Image.fromarray((canvas * 255).astype(np.uint8))
    turned = ink.rotate(degrees, resample=Image.BILINEAR, expand=True)
    boxes = [turn_box(b, ink.size, turned.size, degrees) for b in corners]
    ink_arr = np.asarray(turned, np.float32) / 255
    text = "".join(str(int(labels[k])) for k in picks)
    return Line(paper(ink_arr, rng, jpeg), text, boxes)


def turn_box(
    box: tuple[int, int, int, int], size: tuple[int, int], new_size: tuple[int, int], degrees: float
) -> tuple[int, int, int, int]:
    """The upright box around ``box`` after PIL's ``rotate(degrees, expand=True)``."""
    (w, h), (nw, nh) = size, new_size
    t = np.radians(degrees)
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - w / 2, y - h / 2
        xs.append(nw / 2 + dx * np.cos(t) + dy * np.sin(t))
        ys.append(nh / 2 - dx * np.sin(t) + dy * np.cos(t))
    return int(min(xs)), int(min(ys)), int(np.ceil(max(xs))), int(np.ceil(max(ys)))


def paper(ink: np.ndarray, rng: np.random.Generator, jpeg: bool = True) -> Image.Image:
    """Ink (H, W) in [0, 1] printed on paper: uneven light, texture, blur, JPEG (RGB)."""
    h, w = ink.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    light = (
        rng.uniform(0.8, 0.97)
        + rng.uniform(-0.08, 0.08) * (xs / w)
        + rng.uniform(-0.05, 0.05) * (ys / h)
    )
    texture = rng.normal(0, 0.02, (h, w)).astype(np.float32)
    darkness = rng.uniform(0.6, 0.9)
    grey = np.clip((light + texture) * (1 - darkness * ink), 0, 1)
    tint = rng.uniform(0.95, 1.0, 3).astype(np.float32)
    rgb = Image.fromarray((grey[..., None] * tint * 255).astype(np.uint8), "RGB")
    rgb = rgb.filter(ImageFilter.GaussianBlur(rng.uniform(0, 0.8)))
    if jpeg:
        buf = io.BytesIO()
        rgb.save(buf, "JPEG", quality=int(rng.integers(60, 96)))
        rgb = Image.open(io.BytesIO(buf.getvalue()))
        rgb.load()
    return rgb
