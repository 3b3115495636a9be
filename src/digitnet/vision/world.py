"""Lines of handwritten digits as the world brings them: cheques, forms, ledgers, photos.

:func:`digitnet.vision.synth.make_line` sets MNIST digits on clean paper. Real numbers
come on security-printed cheques, ruled and squared paper, in form boxes, on a sheet
photographed on a table; written with ballpoints and felt pens, in blue or red; with
dots, dashes and currency signs beside them; and through a phone's lens. This module
makes such lines for training and for the benchmark, each condition on its own or all
at once (CONDITIONS):

- size: line heights from 20 to 2,000 pixels, strokes from 1 pixel to a sixth of the
  height;
- pen: ballpoint to felt, black, blue or coloured ink, pressure changing along the line;
- background: security patterns, ruled or squared paper, form boxes, coloured paper,
  the paper's edge on a table, shadows and uneven light;
- distractors: punctuation (. , - / =), currency signs, underlines and strike-through
  lines, specks and stains;
- writing: a continental 1, a crossed 7, an open 4 (pen digits, :mod:`digitnet.vision.pen`),
  slant, an uneven baseline and spacing, touching and broken digits;
- camera: perspective, turn, blur, noise, JPEG.

The digits come from images (MNIST or USPS in MNIST's form, (N, 28, 28) uint8) and, a
share PEN_SHARE of them, from pen strokes. Only digits are in ``text``; the marks are
not (they are what a reader must skip).
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from digitnet.vision.pen import STYLES, draw_digit
from digitnet.vision.preprocess import morph
from digitnet.vision.synth import Line, crop_to_ink

CONDITIONS = ("size", "pen", "background", "distractors", "writing", "camera")
PEN_SHARE = 0.25
MARKS = (".", ",", "-", "/", "=", "$", "€", ".-", "=")


def image_digit(image: np.ndarray, height: int, stroke: float, slant: float) -> np.ndarray:
    """An MNIST-form digit (28, 28) uint8 as ink (h, w) float32 ``height`` pixels high,
    leaning by ``slant``, its strokes about ``stroke`` pixels wide."""
    ink = crop_to_ink(image).astype(np.float32) / 255
    h0, w0 = ink.shape
    native = 2.5 * height / 20  # MNIST's strokes are about 2.5 pixels in a 20-pixel box
    w = max(2, round(w0 * height / h0))
    img = Image.fromarray((ink * 255).astype(np.uint8))
    if slant:
        extra = abs(slant) * h0
        img = img.transform(
            (math.ceil(w0 + extra), h0),
            Image.AFFINE,
            (1, slant, -extra if slant > 0 else 0, 0, 1, 0),
            Image.BILINEAR,
        )
        w = max(2, round(img.size[0] * height / h0))
    out = np.asarray(img.resize((w, height), Image.BILINEAR), np.float32) / 255
    rounds = round((stroke - native) / 2)
    rounds = max(rounds, -round(native / 2 - 0.5))
    return morph(out, int(np.clip(rounds, -height // 12, height // 6)))


def pen_digit(style: str, height: int, stroke: float, slant: float, rng) -> np.ndarray:
    """Pen digit ``style`` as ink (h, w) float32, ``height`` pixels high."""
    pad = math.ceil(stroke)
    width = round(height * (0.8 + abs(slant))) + 2 * pad
    img = Image.new("L", (width, height + 2 * pad), 0)
    box = draw_digit(
        ImageDraw.Draw(img), style, pad, pad, height, stroke, 255, slant, rng.uniform(0.8, 1.15)
    )
    img = img.crop((max(box[0], 0), max(box[1], 0), min(box[2], img.size[0]), box[3]))
    return crop_to_ink(np.asarray(img, np.float32) / 255)


def mark_ink(mark: str, height: float, stroke: float, rng) -> np.ndarray:
    """A punctuation mark or currency sign as ink (h, w) float32 for digits ``height``
    pixels high (placed with its bottom on the baseline by the caller)."""
    h = max(4, round(height))
    size = (max(4, round(h * 0.9)), h + 2 * math.ceil(stroke))
    img = Image.new("L", size, 0)
    d = ImageDraw.Draw(img)
    s = max(1, round(stroke))
    b = h  # the baseline
    w = size[0]
    if mark in (".", ".-"):
        r = max(1.0, stroke * rng.uniform(0.6, 1.1))
        d.ellipse([w * 0.2 - r, b - 2 * r, w * 0.2 + r, b], fill=255)
    if mark == ",":
        d.line([(w * 0.3, b - h * 0.12), (w * 0.2, b + h * 0.15)], fill=255, width=s)
    if mark in ("-", ".-"):
        y = b - h * rng.uniform(0.35, 0.55)
        d.line([(w * 0.35, y), (w * 0.95, y + rng.uniform(-2, 2))], fill=255, width=s)
    if mark == "=":
        for y in (b - h * 0.55, b - h * 0.3):
            d.line([(w * 0.1, y), (w * 0.9, y)], fill=255, width=s)
    if mark == "/":
        d.line([(w * 0.8, b - h * 0.95), (w * 0.2, b)], fill=255, width=s)
    if mark in ("$", "€"):
        if mark == "$":
            d.arc([w * 0.15, b - h * 0.95, w * 0.85, b - h * 0.5], 90, 360, fill=255, width=s)
            d.arc([w * 0.15, b - h * 0.5, w * 0.85, b - h * 0.05], 270, 180, fill=255, width=s)
            d.line([(w * 0.5, b - h * 1.05), (w * 0.5, b + h * 0.05)], fill=255, width=s)
        else:
            d.arc([w * 0.1, b - h * 0.95, w * 0.95, b], 50, 310, fill=255, width=s)
            for y in (b - h * 0.58, b - h * 0.4):
                d.line([(0, y), (w * 0.6, y)], fill=255, width=s)
    arr = np.asarray(img, np.float32) / 255
    return arr if arr.any() else np.zeros((2, 2), np.float32)


def security_pattern(h: int, w: int, rng) -> np.ndarray:
    """A cheque's guilloche: fine wavy lines, (h, w) in [0, 1] (1 = printed)."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(3, 9)
    wave = rng.uniform(2, 12) * np.sin(xs / rng.uniform(15, 60) + rng.uniform(0, 6))
    lines = 0.5 + 0.5 * np.cos(2 * np.pi * (ys + wave + rng.uniform(-0.4, 0.4) * xs) / period)
    return (lines**4).astype(np.float32)


def background(
    h: int, w: int, line_h: float, base: int, rng, kinds
) -> tuple[np.ndarray, np.ndarray]:
    """The paper: RGB (h, w, 3) in [0, 1] and printed marks (h, w) in [0, 1] (lines, boxes,
    patterns) to draw over it with their colour."""
    paper = np.ones((h, w, 3), np.float32)
    if "colour" in kinds:
        paper *= rng.uniform(0.8, 1.0, 3).astype(np.float32)
    else:
        paper *= rng.uniform(0.93, 1.0)
    printed = np.zeros((h, w), np.float32)
    if "security" in kinds:
        printed = np.maximum(printed, security_pattern(h, w, rng) * rng.uniform(0.15, 0.45))
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    lw = max(1, round(line_h * rng.uniform(0.02, 0.06)))
    if "ruled" in kinds:
        step = line_h * rng.uniform(1.1, 1.6)
        y = base + rng.uniform(-0.05, 0.12) * line_h
        while y > 0:
            y -= step
        y += step
        while y < h:
            d.line([(0, y), (w, y)], fill=255, width=lw)
            y += step
    if "squared" in kinds:
        step = line_h * rng.uniform(0.5, 0.9)
        for x in np.arange(rng.uniform(0, step), w, step):
            d.line([(x, 0), (x, h)], fill=255, width=lw)
        for y in np.arange(rng.uniform(0, step), h, step):
            d.line([(0, y), (w, y)], fill=255, width=lw)
    printed = np.maximum(printed, np.asarray(img, np.float32) / 255 * rng.uniform(0.3, 0.8))
    return paper, printed


def make_world_line(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    condition: str | None = None,
    digits: int | tuple[int, int] = (2, 8),
    height: tuple[float, float] | None = None,
) -> Line:
    """One line of 2-8 digits under ``condition`` (one of CONDITIONS), or all of them
    (None), from digit images (N, 28, 28) uint8 and their labels (N,)."""
    on = (lambda c, p: rng.random() < p) if condition is None else (lambda c, p: c == condition)
    n = digits if isinstance(digits, int) else int(rng.integers(digits[0], digits[1] + 1))
    if height is None:
        big = on("size", 0.25)
        height = (20.0, 400.0) if big else (26.0, 64.0)
    line_h = float(np.exp(rng.uniform(np.log(height[0]), np.log(height[1]))))
    if line_h > 400:
        n = min(n, 3)
    line_h = min(line_h, 2000.0)
    if on("pen", 0.5):
        stroke = line_h * float(np.exp(rng.uniform(np.log(0.03), np.log(1 / 6))))
    else:
        stroke = line_h * rng.uniform(0.08, 0.13)
    if on("size", 0.15) and rng.random() < 0.5:
        stroke = max(1.0, line_h * rng.uniform(0.01, 0.03))
    stroke = max(1.0, stroke)
    writing = on("writing", 0.5)
    slant = rng.uniform(-0.25, 0.35) if writing else rng.uniform(-0.08, 0.08)

    pieces, text = [], []
    for _ in range(n):
        h = max(6, round(line_h * rng.uniform(0.85, 1.12)))
        if rng.random() < (0.6 if writing else PEN_SHARE):
            digit = str(rng.integers(10))
            style = str(rng.choice([s for s in STYLES if s.split("-")[0] == digit]))
            ink = pen_digit(style, h, stroke, slant, rng)
        else:
            k = int(rng.integers(len(images)))
            digit = str(int(labels[k]))
            ink = image_digit(images[k], h, stroke, slant)
        if writing and rng.random() < 0.1:  # a broken stroke
            y = int(rng.integers(ink.shape[0] // 4, 3 * ink.shape[0] // 4))
            ink = ink.copy()
            ink[y : y + max(1, round(stroke * 0.6))] = 0
        pieces.append(("digit", ink))
        text.append(digit)

    distract = on("distractors", 0.4)
    if distract:  # punctuation between digit groups and after the number, a sign before
        where = rng.random()
        if where < 0.35 and n >= 4:
            at = int(rng.integers(1, n))
            pieces.insert(at, ("mark", mark_ink(str(rng.choice([".", ","])), line_h, stroke, rng)))
        if rng.random() < 0.5:
            pieces.append(("mark", mark_ink(str(rng.choice(MARKS)), line_h, stroke, rng)))
        if rng.random() < 0.3:
            pieces.insert(
                0, ("mark", mark_ink(str(rng.choice(["$", "€", "-", "="])), line_h, stroke, rng))
            )

    margin = round(line_h * rng.uniform(0.4, 1.0))
    touching = 0.3 if writing else 0.15
    xs, x = [], margin
    for i, (kind, p) in enumerate(pieces):
        if i:
            if kind == "digit" and pieces[i - 1][0] == "digit" and rng.random() < touching:
                x -= round(rng.uniform(0, 0.15) * min(p.shape[1], pieces[i - 1][1].shape[1]))
            else:
                x += round(rng.uniform(0.12, 0.6 if writing else 0.45) * line_h)
        xs.append(x)
        x += p.shape[1]
    width = x + margin
    canvas_h = round(line_h * 1.6) + 2 * margin
    canvas = np.zeros((canvas_h, width), np.float32)
    base = margin + round(line_h * 1.3)  # the baseline's row
    corners = []
    wobble = (0.1 if writing else 0.05) * line_h
    for (kind, p), x0 in zip(pieces, xs, strict=True):
        bottom = base + round(rng.uniform(-wobble, wobble))
        if kind == "mark":
            bottom += p.shape[0] - round(line_h)  # the mark's baseline is its row h
        y0 = max(0, bottom - p.shape[0])
        region = canvas[y0 : y0 + p.shape[0], x0 : x0 + p.shape[1]]
        np.maximum(region, p[: region.shape[0], : region.shape[1]], out=region)
        if kind == "digit":
            corners.append((x0, y0, x0 + p.shape[1], y0 + p.shape[0]))

    strokes = Image.new("L", (width, canvas_h), 0)
    d = ImageDraw.Draw(strokes)
    if distract and rng.random() < 0.35:  # an underline or a line struck through
        y = base + rng.uniform(0.05, 0.25) * line_h if rng.random() < 0.7 else base - line_h / 2
        x0 = rng.uniform(0, margin)
        d.line(
            [(x0, y), (width - rng.uniform(0, margin), y + rng.uniform(-0.1, 0.1) * line_h)],
            fill=255,
            width=max(1, round(stroke * rng.uniform(0.5, 1.0))),
        )
    if distract and rng.random() < 0.5:  # specks and a stain
        for _ in range(int(rng.integers(1, 8))):
            cx, cy = rng.uniform(0, width), rng.uniform(0, canvas_h)
            r = max(0.7, stroke * rng.uniform(0.2, 0.6))
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=int(rng.integers(120, 256)))
    canvas = np.maximum(canvas, np.asarray(strokes, np.float32) / 255)

    kinds = set()
    if on("background", 0.6):
        kinds = {
            str(k)
            for k in rng.choice(
                ["security", "ruled", "squared", "boxes", "colour", "edge", "shadow"],
                size=int(rng.integers(1, 3)),
                replace=False,
            )
        }
    paper, printed = background(canvas_h, width, line_h, base, rng, kinds)
    if "boxes" in kinds:  # a form's boxes, one per digit or one around the number
        img = Image.new("L", (width, canvas_h), 0)
        dd = ImageDraw.Draw(img)
        lw = max(1, round(line_h * rng.uniform(0.02, 0.05)))
        top, bot = base - line_h * rng.uniform(1.2, 1.45), base + line_h * rng.uniform(0.1, 0.3)
        if rng.random() < 0.5:
            dd.rectangle([margin * 0.3, top, width - margin * 0.3, bot], outline=255, width=lw)
        else:
            for a, _, b, _ in corners:
                dd.rectangle(
                    [a - line_h * 0.15, top, b + line_h * 0.15, bot], outline=255, width=lw
                )
        printed = np.maximum(printed, np.asarray(img, np.float32) / 255 * rng.uniform(0.4, 0.9))

    ink_colour = np.array([0.05, 0.05, 0.1], np.float32)
    if on("pen", 0.5):
        ink_colour = np.array(
            [
                [0.05, 0.05, 0.08],
                [0.1, 0.15, 0.6],
                [0.15, 0.2, 0.45],
                [0.6, 0.1, 0.1],
                [0.1, 0.4, 0.15],
            ][int(rng.integers(5))],
            np.float32,
        )
        pressure = Image.fromarray(rng.uniform(0.55, 1.0, (2, 6)).astype(np.float32), "F")
        canvas *= np.asarray(pressure.resize((width, canvas_h), Image.BILINEAR))
    darkness = rng.uniform(0.7, 1.0)
    print_colour = rng.uniform(0.3, 0.75, 3).astype(np.float32)
    rgb = paper * (1 - printed[..., None] * (1 - print_colour))
    a = (canvas * darkness)[..., None]
    rgb = rgb * (1 - a) + ink_colour * a

    image = Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")
    image, corners = camera(image, corners, line_h, rng, kinds, on("camera", 0.5))
    return Line(image, "".join(text), corners)


def camera(image: Image.Image, boxes, line_h: float, rng, kinds, photo: bool):
    """The picture as a scanner or a phone sees it: turned (a little, or more in a photo),
    on a table with its edge in view, in uneven light and shadow, in perspective, blurred,
    noisy and JPEG-compressed. Returns the picture and the digits' new boxes."""
    w, h = image.size
    degrees = rng.uniform(-12, 12) if photo or "edge" in kinds else rng.uniform(-3, 3)
    if "edge" in kinds:  # the sheet on a darker table: paper covers part of the frame
        pad = round(line_h * rng.uniform(0.5, 1.5))
        table = tuple(int(v) for v in rng.integers(30, 140, 3))
        framed = Image.new("RGB", (w + 2 * pad, h + 2 * pad), table)
        cut = (int(rng.integers(0, pad)), int(rng.integers(0, pad)))
        framed.paste(image, (pad - cut[0], pad - cut[1]))
        image, boxes = (
            framed,
            [
                (a + pad - cut[0], b + pad - cut[1], c + pad - cut[0], d + pad - cut[1])
                for a, b, c, d in boxes
            ],
        )
        fill = table
    else:
        fill = tuple(int(v) for v in np.asarray(image)[0, 0])
    w, h = image.size
    turned = image.rotate(degrees, resample=Image.BILINEAR, expand=True, fillcolor=fill)
    from digitnet.vision.synth import turn_box

    boxes = [turn_box(b, (w, h), turned.size, degrees) for b in boxes]
    image = turned
    w, h = image.size
    if photo:  # perspective: the far side a little smaller
        k = rng.uniform(0, 0.08)
        src = [(0, 0), (w, 0), (w, h), (0, h)]
        shrink = [(k * w * rng.random(), k * h * rng.random()) for _ in range(4)]
        dst = [
            (0 + shrink[0][0], 0 + shrink[0][1]),
            (w - shrink[1][0], shrink[1][1]),
            (w - shrink[2][0], h - shrink[2][1]),
            (shrink[3][0], h - shrink[3][1]),
        ]
        coeffs = perspective_coeffs(dst, src)
        image = image.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BILINEAR, fillcolor=fill)
        inverse = perspective_coeffs(src, dst)
        boxes = [warp_box(b, inverse) for b in boxes]
    arr = np.asarray(image, np.float32) / 255
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 + rng.uniform(-0.15, 0.1) * (xs / w) + rng.uniform(-0.1, 0.1) * (ys / h)
    if "shadow" in kinds or (photo and rng.random() < 0.4):
        angle = rng.uniform(0, 2 * np.pi)
        edge = (xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle)
        light *= 1 - rng.uniform(0.2, 0.5) / (1 + np.exp(-edge / (0.05 * max(w, h) + 1)))
    arr = arr * light[..., None] + rng.normal(
        0, rng.uniform(0.005, 0.04 if photo else 0.02), arr.shape
    )
    image = Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8), "RGB")
    blur = rng.uniform(0, 0.02 * line_h if photo else 0.01 * line_h)
    if blur > 0.3:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=int(rng.integers(40 if photo else 60, 96)))
    image = Image.open(io.BytesIO(buf.getvalue()))
    image.load()
    return image, boxes


def perspective_coeffs(dst, src) -> tuple[float, ...]:
    """PIL's 8 PERSPECTIVE coefficients mapping output points ``dst`` to input ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = np.array([c for p in src for c in p], np.float64)
    return tuple(np.linalg.solve(np.array(rows, np.float64), rhs))


def warp_box(box, coeffs) -> tuple[int, int, int, int]:
    """The upright box around ``box`` sent through the perspective map ``coeffs``."""
    a, b, c, d, e, f, g, hh = coeffs
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        den = g * x + hh * y + 1
        xs.append((a * x + b * y + c) / den)
        ys.append((d * x + e * y + f) / den)
    return int(min(xs)), int(min(ys)), math.ceil(max(xs)), math.ceil(max(ys))
