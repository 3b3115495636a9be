"""Turn any single-digit image into an MNIST-style 28×28 input.

MNIST's digits are white ink on black, fitted into a 20×20 box (keeping the aspect
ratio) and placed in a 28×28 field so that their centre of mass is at the centre. A
photo or scan is turned into the same form:

1. open safely (size checked before decoding; decompression bombs refused) and apply
   the EXIF orientation;
2. turn it into grey "ink intensity": colour to luminance, transparency onto the ink
   (a drawing on a transparent background has its ink in the alpha channel), and
   inverted when the background is light;
3. remove the background level and find the ink with Otsu's threshold;
4. crop to the ink, scale into 20×20 keeping the aspect ratio, and centre the mass.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digitnet.errors import DigitnetError
from digitnet.vision.components import Component, label
from digitnet.vision.resample import resize

MAX_PIXELS = 40_000_000  # a 40-megapixel photo is fine; a bomb is not
MAX_FILE_BYTES = 100 * 1024 * 1024
PREDICT_SIDE = 400  # a single digit larger than this is shrunk by a whole factor first
EDGE_WEIGHT = 0.3  # a component at the crop's left or right edge weighs this much less
MIN_CONTRAST = 0.15  # ink must differ from paper by at least this much (of full scale)
STROKE_FACTOR = 1.2  # fewer strong pixels than 1.2·(h + w): hairline strokes
SHEET_SIDE = 200  # a sheet on a table is looked for on a copy this many pixels wide
SHEET_AREA = 0.12  # a sheet covers at least this share of the picture...
SHEET_FILL = 0.5  # ...and of its own box (a long sheet turned 12° fills 60%)
STRAIGHT = 0.02  # a straight edge strays from its line by under this share of the height
CORNER = 20  # degrees: two edges meeting within this of a right angle are a corner
SHEET_SOLID = 0.85  # and is mostly light: the writing on it covers under 15%
SHEET_MIN = 40  # pixels: a sheet is at least this wide and high, so that its edges tell
FLAT_DARK, FLAT = 0.04, 1 / 255  # a ground this black, most of it this even, is no table
SHEET_TRIES = 3  # light levels tried, from Otsu's down towards the table's...
SHEET_CONVEX = 0.95  # ...whose sheet fills this much of its convex hull (a sheet is convex)
TARGET_STROKE = 3.0  # MNIST's strokes are about this wide in its 20×20 box
STROKE_SHARE = 0.8  # the share of the difference from it that is worn away or grown
MAX_STROKE_ROUNDS = 12
FIT_SIDE = 30  # a crop larger than twice this is first shrunk by whole blocks


class NoDigitError(DigitnetError):
    """The image holds nothing that looks like ink."""


def open_image(path: str | Path) -> Image.Image:
    """Open and decode an image file, refusing non-images, oversized and bomb images."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DigitnetError(f"{path}: no such file") from None
    except OSError as e:
        raise DigitnetError(f"{path}: cannot read ({e.strerror or e})") from None
    if path.is_dir():
        raise DigitnetError(f"{path}: is a directory, not an image")
    if size > MAX_FILE_BYTES:
        raise DigitnetError(f"{path}: file too large for an image ({size} bytes)")
    try:
        return decode(path, str(path))
    except PermissionError:
        raise DigitnetError(f"{path}: permission denied") from None


def open_image_bytes(blob: bytes, name: str = "upload") -> Image.Image:
    """Decode an image held in memory (an upload) with the same checks as a file."""
    if len(blob) > MAX_FILE_BYTES:
        raise DigitnetError(f"{name}: too large for an image ({len(blob)} bytes)")
    if not blob:
        raise DigitnetError(f"{name}: empty, not an image")
    return decode(io.BytesIO(blob), name)


def decode(source, name: str) -> Image.Image:
    """Image.open on a path or file object; the pixel count is checked before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(source)
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise DigitnetError(f"{name}: image too large ({w}x{h} pixels)")
            img.load()
            return ImageOps.exif_transpose(img)
    except (DigitnetError, PermissionError):
        raise
    except UnidentifiedImageError:
        raise DigitnetError(f"{name}: not an image (or a format Pillow cannot read)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DigitnetError(f"{name}: refused: image too large (decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise DigitnetError(f"{name}: broken or truncated image ({e})") from None


def ink_intensity(img: Image.Image) -> np.ndarray:
    """Grey ink intensity in [0, 1] (H, W): 1 is full ink, 0 is paper."""
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        grey, alpha = np.clip(arr / top, 0, 1), None
    elif img.mode in ("F",):
        arr = np.asarray(img, dtype=np.float64)
        span = float(arr.max() - arr.min()) or 1.0
        grey, alpha = (arr - arr.min()) / span, None
    else:
        has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float64) / 255
        grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])
        alpha = rgba[..., 3] if has_alpha and rgba[..., 3].min() < 1 else None

    if alpha is not None:
        # A transparent background: ink is where the drawing is opaque; its darkness or
        # lightness relative to the opaque median decides nothing: opacity is the ink.
        opaque = alpha > 0.5
        if opaque.mean() < 0.5:
            return alpha
        grey = grey * alpha + (1 - alpha)  # composite onto white paper
    # Paper is the majority: estimate its level from the border and the median.
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    if paper <= 0.5:  # light ink on dark, or a light sheet photographed on a dark table
        page = sheet(grey)
        if page is None:
            return grey
        level = float(np.median(grey[page]))
        grey = np.where(page, grey, level)  # the table is taken for paper
    return 1 - grey


def sheet(grey: np.ndarray) -> np.ndarray | None:
    """Where a light sheet of paper lies in a photo of it on a darker surface: (H, W) bool,
    a little inside the sheet's edge; None when the light part of grey (H, W) is no sheet
    (light writing on a dark board, say): a sheet is one light region of at least
    SHEET_AREA of the picture that fills much of its box once its holes (the writing)
    are filled, mostly light, not the whole picture, and at least SHEET_MIN pixels
    across, on a ground that is not flat black (a drawn picture). Light is above Otsu's
    threshold or, where a shadow falls across the sheet, above one of SHEET_TRIES lower
    levels towards the table's (the picture's border), if what is above Otsu's is solid
    (a lower level would join a light digit's blurred halo into a blob), and the sheet
    it finds is convex (not joined to a lit part of the table): the largest sheet found
    is taken."""
    from digitnet.vision.scale import pool

    h, w = grey.shape
    factor = max(1, -(-max(h, w) // SHEET_SIDE))
    small = pool(grey, factor, "mean")
    top = otsu_threshold(small)
    table = float(np.median(np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])))
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if table < FLAT_DARK and np.mean(np.abs(border - np.median(border)) <= FLAT) >= 0.5:
        return None  # a flat black ground: a drawn picture (MNIST's form), not a photo
    first = largest(small > top)
    if first is None or first[0].area < SHEET_SOLID * first[1].sum():
        return None  # (light strokes: a 0's hole, filled, is no paper; nor is a shadow's)
    lower = [
        largest(small > top - k / SHEET_TRIES * max(0.0, top - table))
        for k in range(1, SHEET_TRIES)
    ]
    found = [light_sheet(first), *map(light_sheet, lower)]
    found = [  # (a lower level may join a lit part of the table: not convex)
        f
        for k, f in enumerate(found)
        if f is not None and (k == 0 or convex_share(f) >= SHEET_CONVEX)
    ]
    if not found:
        return None
    filled = max(found, key=lambda f: int(f.sum()))  # all of it, shadowed parts too
    for _ in range(2):  # a little inside the edge, where the paper's shade is its own
        filled[1:-1, 1:-1] &= filled[:-2, 1:-1] & filled[2:, 1:-1]
        filled[1:-1, 1:-1] &= filled[1:-1, :-2] & filled[1:-1, 2:]
    page = np.repeat(np.repeat(filled, factor, axis=0), factor, axis=1)[:h, :w]
    return page if page.any() else None


def light_sheet(found: tuple[Component, np.ndarray] | None) -> np.ndarray | None:
    """The sheet, its holes (the writing) filled (H, W) bool, of the largest light region
    (:func:`largest`), or None if it is no sheet (see :func:`sheet`)."""
    if found is None:
        return None
    big, filled = found
    box = big.width * big.height
    area = filled.sum()
    if area < SHEET_AREA * filled.size or area < SHEET_FILL * box or big.area < SHEET_SOLID * area:
        return None  # (a light 0 on black, its hole filled, is round but not solid)
    if min(big.width, big.height) < SHEET_MIN:
        return None  # (at a few pixels, the outline of a digit is as straight as a sheet's)
    edges = (filled, filled[::-1], filled.T, filled.T[::-1])  # top, bottom, left, right
    if filled.mean() > 0.97 or not all(straight(e) for e in edges):
        return None  # (the whole picture, or a blob with a curved edge: a digit)
    return filled


def convex_share(region: np.ndarray) -> float:
    """The share of its convex hull that region (H, W) bool fills: 1 for a sheet of paper
    (a four-sided shape, cut or not by the picture's edge), less for a sheet joined to a
    lit part of the table beside it. The hull of each row's first and last pixels is the
    region's; Andrew's monotone chain finds it."""
    rows = np.flatnonzero(region.any(axis=1))
    if len(rows) == 0:
        return 0.0
    first = region[rows].argmax(axis=1)
    last = region.shape[1] - 1 - region[rows, ::-1].argmax(axis=1)
    corners = set()  # each row's first and last pixels' outer corners
    for y, a, b in zip(rows.tolist(), first.tolist(), last.tolist(), strict=True):
        corners.update({(a, y), (a, y + 1), (b + 1, y), (b + 1, y + 1)})
    points = sorted(corners)
    if len(points) < 3:
        return 1.0

    def half(chain: list[tuple[int, int]]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for p in chain:
            while (
                len(out) >= 2
                and (
                    (out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                    - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])
                )
                <= 0
            ):
                out.pop()
            out.append(p)
        return out[:-1]

    hull = half(points) + half(points[::-1])
    xs = np.array([p[0] for p in hull], np.float64)
    ys = np.array([p[1] for p in hull], np.float64)
    area = 0.5 * abs(float(xs @ np.roll(ys, -1) - ys @ np.roll(xs, -1)))  # the shoelace
    return float(region.sum()) / area if area > 0 else 1.0


def largest(light: np.ndarray) -> tuple[Component, np.ndarray] | None:
    """The largest component of mask (H, W) bool and its region with its holes filled
    (H, W) bool; None if there is none."""
    labels, comps = label(light)
    if not comps:
        return None
    big = max(comps, key=lambda c: c.area)
    region = labels == big.label
    return big, spans(region) & spans(region.T).T


def straight(region: np.ndarray) -> bool:
    """Whether the top edge of region (H, W) bool is a sheet's: a straight line over the
    middle half of its width (corners may lie in the outer quarters), or two straight
    lines meeting near a right angle (the short side of a long sheet turned in the photo
    shows a corner anywhere along it)."""
    cols = np.flatnonzero(region.any(axis=0))
    if len(cols) < 8:
        return False
    top = region[:, cols].argmax(axis=0).astype(np.float64)
    height = np.ptp(np.flatnonzero(region.any(axis=1))) + 1
    limit = STRAIGHT * height + 1
    middle = slice(len(cols) // 4, len(cols) - len(cols) // 4)
    if line_fit(cols[middle], top[middle])[1] < limit:
        return True
    outer = np.flatnonzero(top == top.min())  # the outermost points: the corner, if one
    first, last = int(outer[0]), int(outer[-1])
    if first < 3 or last > len(cols) - 4:
        return False
    (left, left_miss), (right, right_miss) = (
        line_fit(cols[: first + 1], top[: first + 1]),
        line_fit(cols[last:], top[last:]),
    )
    turn = abs(math.degrees(math.atan(left) - math.atan(right)))
    return max(left_miss, right_miss) < limit and abs(turn - 90) < CORNER


def line_fit(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """(slope, root-mean-square miss) of the least-squares line through points (n,)."""
    slope, cut = np.polyfit(xs, ys, 1)
    return float(slope), float(np.sqrt(np.mean((ys - (slope * xs + cut)) ** 2)))


def spans(mask: np.ndarray) -> np.ndarray:
    """mask (H, W) with each row filled from its first True to its last."""
    seen = np.maximum.accumulate(mask, axis=1)
    return seen & np.maximum.accumulate(mask[:, ::-1], axis=1)[:, ::-1]


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1]: the cut maximising between-class variance."""
    index = np.minimum((np.ravel(values) * bins).astype(np.int64), bins - 1)  # 1.0: the last
    hist = np.bincount(index, minlength=bins)  # np.histogram's bins, at a quarter of the cost
    p = hist.astype(np.float64) / max(hist.sum(), 1)
    centers = (np.arange(bins) + 0.5) / bins
    w0 = np.cumsum(p)
    mu = np.cumsum(p * centers)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * w0 - mu) ** 2 / (w0 * (1 - w0))
    between[~np.isfinite(between)] = 0
    return float(centers[int(np.argmax(between))])


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """MNIST-style (28, 28) float32 in [0, 1] from ink intensity (H, W); NoDigitError if blank."""
    ink = np.asarray(ink, dtype=np.float64)
    background = float(np.median(ink))
    paper = float(np.percentile(ink, 10)) if ink.size else background
    if background - paper >= 2 * MIN_CONTRAST:  # ink, clearly darker, covers most of it
        background = paper  # (a bold 0 filling a 16x16 box)
    ink = np.clip(ink - background, 0, None)
    top = float(ink.max()) if ink.size else 0.0
    if top < MIN_CONTRAST:
        raise NoDigitError("no digit found")
    ink = ink / top
    factor = max(ink.shape) // PREDICT_SIDE
    if factor >= 2:  # a photo's digit needs no more than some hundred pixels
        from digitnet.vision.scale import pool

        ink = pool(ink, factor)
    mask = central(ink > max(otsu_threshold(ink), 0.1))
    rows, cols = np.nonzero(mask)
    if len(rows) == 0:
        raise NoDigitError("no digit found")
    ink = np.where(mask | ~(ink > max(otsu_threshold(ink), 0.1)), ink, 0)  # fragments out
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    crop = np.where(crop > 0.5 * otsu_threshold(crop), crop, 0)  # drop faint paper noise
    return fit_to_mnist(crop)


def central(mask: np.ndarray) -> np.ndarray:
    """The ink of mask (H, W) that belongs to the digit in the middle: a crop cut from a
    ledger or a form often holds pieces of its neighbours at its left and right edges.
    The main component is the largest, weighed by nearness to the middle and less if it
    touches the left or right edge; pieces that touch those edges outside the main
    component's columns, and small pieces away from them, are left out. (H, W) bool."""
    labels, comps = label(mask)
    if len(comps) < 2:
        return mask
    w = mask.shape[1]

    def weight(c) -> float:
        edge = c.x0 == 0 or c.x1 == w
        return c.area * (1 - abs(c.cx - w / 2) / w) * (EDGE_WEIGHT if edge else 1.0)

    main = max(comps, key=weight)
    reach = 0.25 * main.height
    keep = np.zeros(len(comps) + 1, bool)
    for c in comps:
        inside = main.x0 - reach <= c.cx <= main.x1 + reach
        edge = c.x0 == 0 or c.x1 == w
        overlaps = c.x1 > main.x0 - reach and c.x0 < main.x1 + reach
        keep[c.label] = c is main or (inside and not (edge and not main.x0 <= c.cx <= main.x1))
        keep[c.label] |= overlaps and not edge and c.area >= 0.5 * main.area
    return keep[labels]


def fit_to_mnist(crop: np.ndarray) -> np.ndarray:
    """A digit's ink (h, w) in [0, 1], cropped to its box, in MNIST's form: (28, 28) float32.

    Scaled into 20×20 keeping the aspect ratio, strokes brought to MNIST's thickness
    (a felt pen's strokes worn down, thin pen lines shrunk to faint hairlines thickened),
    the brightest ink at 1,
    and the centre of mass moved to the centre of the 28×28 field.
    """
    factor = max(crop.shape) // FIT_SIDE
    if factor >= 2:  # shrunk by its blocks' highest ink first: a hairline stays whole
        h, w = crop.shape
        bh, bw = -(-h // factor), -(-w // factor)
        padded = np.zeros((bh * factor, bw * factor))
        padded[:h, :w] = crop
        crop = padded.reshape(bh, factor, bw, factor).max(axis=(1, 3))
    h, w = crop.shape
    scale = 20 / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    inked = crop[crop > 0.05]
    if inked.size:  # the strokes' core at full ink, as MNIST's (a faint pen, a shrunk hairline)
        crop = np.clip(crop / max(percentile(inked, 75), 1e-6), 0, 1)
    crop = stroke_to(crop, TARGET_STROKE / scale)
    box = resize(crop, new_h, new_w)  # Lanczos shrinking, bilinear growing
    if (box > 0.5).sum() < STROKE_FACTOR * (new_h + new_w):
        box = thicken(box)
    top = box.max()
    if top > 0:
        box = box / top  # (in [0, 1] already: box is too)
    top_row, left = centred(box, (28 - new_h) // 2, (28 - new_w) // 2)
    out = np.zeros((28, 28), np.float32)
    out[top_row : top_row + new_h, left : left + new_w] = box
    return out


def percentile(values: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` of values (n,) n ≥ 1, the same number, found by a
    partial sort: NumPy's general function costs more than the sort of a crop's ink."""
    at = (len(values) - 1) * (q / 100)  # NumPy's arithmetic, to the last bit
    lo = math.floor(at)
    hi = min(lo + 1, len(values) - 1)
    part = np.partition(values, (lo, hi))
    a, b, t = part[lo], part[hi], at - lo
    return float(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)  # NumPy's lerp


def stroke_width(ink: np.ndarray) -> float:
    """The mean width of the strokes in ink (h, w) ≥ 0, in pixels: twice the inked area
    over the length of its outline (a stroke w wide and L long: 2wL / 2L)."""
    mask = ink > 0.5 * ink.max() if ink.size else ink.astype(bool)
    area = int(mask.sum())
    if area == 0:
        return 0.0
    inner = mask.copy()  # pixels whose four neighbours are all ink
    inner[1:] &= mask[:-1]
    inner[:-1] &= mask[1:]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    inner[[0, -1], :] = False
    inner[:, [0, -1]] = False
    outline = max(area - int(inner.sum()), 1)
    return 2 * area / outline


def stroke_to(ink: np.ndarray, target: float) -> np.ndarray:
    """ink (h, w) with its strokes brought towards ``target`` pixels wide: worn down
    (a pixel off each side per round, :func:`morph`) when much wider, a felt pen's digit
    given a ballpoint's strokes; grown when much thinner. A round that would wear away
    most of the ink is not taken."""
    change = (target - stroke_width(ink)) / 2 * STROKE_SHARE
    rounds = min(int(abs(change)), MAX_STROKE_ROUNDS)
    if change > 0:
        return morph(ink, rounds)
    for _ in range(rounds):
        out = morph(ink, -1)
        if (out > 0.5).sum() < 0.3 * (ink > 0.5).sum():
            break  # (a stroke thinner than the rest would vanish)
        ink = out
    return ink


def morph(ink: np.ndarray, rounds: int) -> np.ndarray:
    """ink (h, w) with strokes ``rounds`` pixels thicker on each side, or thinner for a
    negative count: each round takes the max (min) of each pixel and its four neighbours."""
    pick = np.maximum if rounds > 0 else np.minimum
    for _ in range(abs(rounds)):
        out = ink.copy()
        pick(out[1:], ink[:-1], out=out[1:])
        pick(out[:-1], ink[1:], out=out[:-1])
        pick(out[:, 1:], ink[:, :-1], out=out[:, 1:])
        pick(out[:, :-1], ink[:, 1:], out=out[:, :-1])
        ink = out
    return ink


def thicken(box: np.ndarray) -> np.ndarray:
    """Strokes one pixel thicker: the max of each pixel and its four neighbours (box ≥ 0)."""
    return morph(box, 1)


def centred(box: np.ndarray, top: int, left: int) -> tuple[int, int]:
    """Where box (h, w), set at (top, left) in a 28×28 field, goes when moved by whole
    pixels so that its centre of mass is at (14, 14), as in MNIST (staying inside)."""
    h, w = box.shape
    total = box.sum()
    if total <= 0:
        return top, left
    cy = top + (box.sum(axis=1) @ np.arange(h)) / total
    cx = left + (box.sum(axis=0) @ np.arange(w)) / total
    dy = min(max(round(14.0 - cy), -top), 28 - (top + h))
    dx = min(max(round(14.0 - cx), -left), 28 - (left + w))
    return top + dy, left + dx


def preprocess_image(img: Image.Image) -> np.ndarray:
    """A PIL image -> MNIST-style (28, 28) float32 in [0, 1]."""
    return to_mnist(ink_intensity(img))


def preprocess_file(path: str | Path) -> np.ndarray:
    """An image file -> MNIST-style (28, 28) float32; DigitnetError names the file."""
    img = open_image(path)
    try:
        return preprocess_image(img)
    except NoDigitError:
        raise NoDigitError(f"{path}: no digit found") from None
