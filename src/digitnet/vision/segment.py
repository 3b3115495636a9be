"""Reading a line of digits: recognition-driven segmentation.

Connected components alone fail on real writing: digits touch (one component holds
two digits) and digits break (a 5's top stroke is a component of its own). So, as
check-reading systems do, the line is over-segmented and the network chooses:

1. ink: background light removed block by block (uneven lighting), Otsu's threshold
   for the mask, specks dropped; a line that is not horizontal is turned level;
2. candidate cuts along x (:mod:`digitnet.vision.cuts`): the edges of gaps and of
   components, and the valleys of the ink's column profile inside components too wide
   to be one digit;
3. every stretch between two cuts that is not wider than a digit can be is a candidate
   digit: narrow components belong whole to the stretch holding their centre (so a
   broken or overlapping digit stays whole), wide ones are cut at the stretch's edges;
   each candidate is fitted into MNIST's form and all are classified in one batch;
4. dynamic programming picks the sequence of stretches that covers all the ink with the
   highest total of log-confidence plus a width prior (a stretch much wider than the
   line is tall is unlikely to be one digit);
5. a closer look: where a digit read from a wide component is unsure, overlapping
   digits may have left no valley to cut at, so that component is also cut on a fine
   grid, only the new stretches are classified, and step 4 is taken again.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from PIL import Image

from digitnet.vision.components import Component, label
from digitnet.vision.cuts import cut_candidates, is_very_wide, is_wide, two_strokes
from digitnet.vision.preprocess import (
    NoDigitError,
    fit_to_mnist,
    morph,
    otsu_threshold,
    percentile,
    stroke_width,
)
from digitnet.vision.scale import (
    BLOCK,
    COARSE_SIDE,
    block_for,
    paper_level,
    pool,
    rule_angle,
    rules,
    working_factor,
)

Classifier = Callable[[np.ndarray], np.ndarray]  # (N, 784) float32 -> (N, 10) scores

EDGE_TALL = 1.5  # a piece at the picture's edge this much taller than the rest is no digit
EDGE_SPECK = 0.25  # ... unless the rest is all specks under this share of its height
FIRM = 0.25  # ink is at least this dark (of the darkest) where Otsu's threshold is lower
LOW = 0.5  # fainter ink, down to this share of the threshold, joined to firm ink is ink
FAINT = 0.12  # (but never fainter than this)
FIRM_SHARE = 0.15  # ... where at least this share of what it joins is firm
FAINT_TALL = 1.3  # ... and it is no taller than this many digit heights...
FAINT_WIDE = 0.7  # ... nor wider than this (two digits joined by their faint edges are)
BRIDGE_PIECE = 0.3  # firm pieces smaller than this many digit heights (crumbs of a stroke)...
BRIDGE = 2  # ... grow this many pixels into the faint ink they lie in...
BRIDGE_WIDE = 1.4  # ... where that is no wider than this many digit heights (no grid)
JOINED_LOW = 0.5  # the height found is under this share of a frame's...
JOINED_SHARE = 0.5  # ...and frames hold more than this share of the ink: a line joins the digits
MAX_WIDTH = 2.0  # a digit is at most this many line heights wide (a wide 0 or 2 can be ~1.9)
CUT_WIDTH = 1.2  # ...or this, if a cut through a component bounds it
SURE = 0.7  # a digit read less sure than this from a wide component: look closer
FULL = 1.0  # a piece wider than this (in line heights) pays...
WIDTH_PENALTY = 6.0  # ...this much per (width / height − FULL)²
DIGIT_COST = 0.0  # log-score cost per digit (0: the "not a digit" training does this)
SHORT = 0.55  # a piece shorter than this (in line heights) is likely a fragment...
SHORT_COST = 3.0  # ...and costs this much
SHORT_ONE_COST = 1.5  # ...and this much more if it reads as a 1: any short bar does
GAP = 0.12  # a piece with an empty gap of columns wider than this (line heights)...
GAP_COST = 4.0  # ...is likely two digits, and costs this much (and is not even read if
# it spans several stretches: each of its parts is a candidate of its own)
PRINTED_TALL = 1.05  # a 1 this many line heights tall or more...
PRINTED_WIDE = 0.5  # ...and narrower than this many...
PRINTED_THIN = 0.6  # ...its strokes under this share of the writing's width...
PRINTED_FAINT = 0.8  # ...and its ink under this share of the writing's darkness is printed
PRINTED_COST = 4.0  # ...(a box's side, a rule's remnant): as a digit it costs this much
MARK_COST = 1.5  # reading a piece as a mark (no digit) costs this beside log p_not
MARK_SHORT = 0.5  # a piece shorter than this (in line heights) is more likely a mark...
MARK_SHORT_BONUS = 1.5  # ...by this much
MARK_TALL = 0.8  # one taller than this is less likely a mark...
MARK_TALL_COST = 1.0  # ...by this much


@dataclass
class Digit:
    """One digit read: its class, the network's confidence, its box (x0, y0, x1, y1)
    in the input image's pixels, and the 28×28 image the network saw."""

    label: int
    confidence: float
    box: tuple[int, int, int, int]
    image: np.ndarray = field(repr=False)


@dataclass
class Reading:
    """What was read in an image: the digits left to right, and the string (with ``?``
    for a digit whose confidence is under the threshold)."""

    digits: list[Digit]
    threshold: float

    @property
    def text(self) -> str:
        return "".join(str(d.label) if d.confidence >= self.threshold else "?" for d in self.digits)


def remove_background(ink: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """Ink (H, W) minus the local paper level (:func:`digitnet.vision.scale.paper_level`)."""
    return np.clip(ink - paper_level(ink, block), 0, None)


def ink_mask(
    ink: np.ndarray, min_contrast: float = 0.15, block: int = BLOCK, height: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(clean ink in [0, 1], mask) for ink intensity (H, W), the paper's level taken in
    blocks of ``block`` pixels; NoDigitError when blank."""
    clean = remove_background(np.asarray(ink, np.float64), block)
    top = percentile(clean.ravel(), 99.9) if clean.size else 0.0
    if top < min_contrast:
        raise NoDigitError("no digits found")
    clean = np.clip(clean / top, 0, 1)
    return clean, threshold(clean, height)


def threshold(clean: np.ndarray, height: float | None = None) -> np.ndarray:
    """The ink of clean ink (H, W) in [0, 1] as a mask (H, W) bool: above Otsu's
    threshold (at least FIRM); given the digits' ``height``, also fainter ink (above LOW
    of it) joined to such ink, where at least FIRM_SHARE of what it joins is firm and it
    is no larger than a digit: a stroke that fades where the pen pressed lightly stays
    whole, but a faint printed pattern, grid or box that touches the writing does not
    join it. Where such faint ink is not taken whole (a 4 whose stem faded: its bar and
    arm make the faint 4 too wide), the crumbs of firm ink in it (under BRIDGE_PIECE of a
    digit) grow BRIDGE pixels into it and rejoin their stroke (:func:`bridged`)."""
    level = max(otsu_threshold(clean), FIRM)
    firm = clean > level
    if height is None:
        return firm
    labels, comps = label(clean > max(LOW * level, FAINT))
    if not comps:
        return firm
    counts = np.bincount(labels.ravel(), minlength=len(comps) + 1)
    strong = np.bincount(labels[firm], minlength=len(comps) + 1)
    small = np.array(
        [False] + [c.height <= FAINT_TALL * height and c.width <= FAINT_WIDE * height
                   for c in comps]
    )  # fmt: skip
    whole = (strong >= FIRM_SHARE * counts) & small  # (label 0, the paper, is not small)
    mask = firm | whole[labels]
    pieces, found = label(mask)
    crumbs = np.array([False] + [max(c.height, c.width) < BRIDGE_PIECE * height for c in found])
    if not crumbs.any():
        return mask
    digit_sized = np.array(
        [False] + [c.height <= FAINT_TALL * height and c.width <= BRIDGE_WIDE * height
                   for c in comps]
    )  # fmt: skip
    return mask | bridged(crumbs[pieces], digit_sized[labels] & ~mask, BRIDGE)


def bridged(mask: np.ndarray, faint: np.ndarray, steps: int) -> np.ndarray:
    """mask (H, W) bool grown ``steps`` pixels (four neighbours a step) into ``faint``
    (H, W) bool: where the pen pressed lightly, a stroke's firm pieces a pixel or two
    apart join again, while a faint pattern touching the writing gives it only a rim."""
    allowed = faint | mask
    out = mask
    for _ in range(steps):
        out = morph(out, 1) & allowed
    return out


def is_edge_line(c: Component, shape: tuple[int, int]) -> bool:
    """Whether component c is a long thin line reaching the image's edge (a paper's edge or
    a shadow's, a ruled line turned with the photo), not writing."""
    fill = c.area / max(c.width * c.height, 1)
    return touches_edge(c, shape) and fill < 0.12 and max(c.width, c.height) >= 0.5 * max(shape)


def digit_components(mask: np.ndarray) -> tuple[np.ndarray, list[Component], float]:
    """Labels, the components that are not specks or edge lines, and the line height."""
    labels, comps = label(mask)
    comps = [c for c in comps if not is_edge_line(c, mask.shape)]
    if not comps:
        raise NoDigitError("no digits found")
    # a frame (a box around the number, a ruled line) is no digit: its height misleads
    digits = [c for c in comps if not is_frame(c)] or comps
    # nor is a blot at the picture's edge much taller than the rest (a shadow, the table),
    # where the rest holds more than specks (a digit from the top to the bottom of a line
    # cropped tight is of the rest)
    inside = [c.height for c in digits if not at_edge(c, mask.shape)]
    if inside and max(inside) >= EDGE_SPECK * max(c.height for c in digits):
        top = EDGE_TALL * max(inside)
        digits = [c for c in digits if c.height <= top or not at_edge(c, mask.shape)]
    tallest = max(c.height for c in digits)
    keep = [c for c in comps if max(c.height, c.width) >= 0.25 * tallest and c.area >= 4]
    if not keep:
        raise NoDigitError("no digits found")
    tall = [c.height for c in digits if c.height >= 0.5 * tallest]
    return labels, keep, float(np.median(tall))


def touches_edge(c: Component, shape: tuple[int, int]) -> bool:
    """Whether component c reaches an edge of a picture of ``shape`` (H, W)."""
    return c.x0 == 0 or c.y0 == 0 or c.x1 == shape[1] or c.y1 == shape[0]


def at_edge(c: Component, shape: tuple[int, int]) -> bool:
    """Whether component c reaches an edge of a picture of ``shape`` (H, W) without
    spanning it from top to bottom (as every digit of a line cropped tight does)."""
    return touches_edge(c, shape) and not (c.y0 == 0 and c.y1 == shape[0])


def is_frame(c: Component) -> bool:
    """Whether component c is wide and hollow: a box drawn around the number, or lines."""
    return c.width > 2.5 * c.height and c.area < 0.25 * c.width * c.height


def writing_size(ink: np.ndarray) -> tuple[float, float]:
    """(the digits' height, their strokes' width) in ink (H, W), in its pixels: the height
    on a copy at most COARSE_SIDE pixels wide with its ruled lines taken out, the width
    in the full-size ink of the tallest digit."""
    factor = max(1, math.ceil(max(ink.shape) / COARSE_SIDE))
    small = pool(ink, factor, "mean")
    _, mask = ink_mask(small)
    ruled = rule_angle(mask)
    if abs(ruled) >= 0.5:
        mask = rotate(mask.astype(np.float32), ruled) > 0.5
    _, comps, first = unruled(mask)[1:]
    written = [c for c in comps if c.height <= EDGE_TALL * first] or comps  # (no blot)
    c = max(written, key=lambda c: c.height)
    y0, y1, x0, x1 = (v * factor for v in (c.y0, c.y1, c.x0, c.x1))
    region = ink[y0:y1, x0:x1] - float(np.median(ink))
    width = stroke_width(region > otsu_threshold(np.clip(region, 0, 1))) if region.size else 1.0
    return first * factor, width


def unruled(
    mask: np.ndarray, hint: float = math.inf
) -> tuple[np.ndarray, np.ndarray, list[Component], float]:
    """(the ruled lines' pixels, labels, components, line height) of mask (H, W) with its
    ruled lines taken out: first the lines across the whole picture (a grid would join
    every digit into one component and hide their height), then those long for the
    height found without them, or ``hint`` where that is less (a grid on a small sheet
    joins the digits into one tall component) (:func:`digitnet.vision.scale.rules`)."""
    lines = rules(mask, None)
    try:
        found = digit_components(mask & ~lines)
    except NoDigitError:  # nothing but lines across the picture: they were the writing
        lines = np.zeros_like(mask)
        found = digit_components(mask)
    # (rules in all the mask: a box's sides meet its rules)
    more = rules(mask, min(joined_height(found[1], found[2]), hint)) & ~lines
    if more.any():
        lines |= more
        with contextlib.suppress(NoDigitError):
            found = digit_components(mask & ~lines)
    return (lines, *found)


def joined_height(comps: list[Component], height: float) -> float:
    """The line height to find ruled lines by, from the components and the ``height``
    found from those that are no frame: a frame's height where frames hold most of the
    ink and the rest is much lower (a strike-through line or an underline that touches
    every digit joins them all into one wide piece, which looks like a frame, and leaves
    only specks to measure)."""
    frames = [c for c in comps if is_frame(c)]
    if not frames:
        return height
    tallest = max(c.height for c in frames)
    framed = sum(c.area for c in frames)
    if height < JOINED_LOW * tallest and framed > JOINED_SHARE * sum(c.area for c in comps):
        return float(tallest)
    return height


def level_angle(comps: list[Component], labels: np.ndarray) -> float:
    """Degrees the line rises to the right, from its components' centres (0 if < 2)."""
    if len(comps) < 2:
        return 0.0
    cx = np.array([c.cx for c in comps])
    cy = np.array([(c.y0 + c.y1) / 2 for c in comps])
    weight = np.array([c.area for c in comps], np.float64)
    mx, my = np.average(cx, weights=weight), np.average(cy, weights=weight)
    var = np.average((cx - mx) ** 2, weights=weight)
    if var <= 0:
        return 0.0
    slope = np.average((cx - mx) * (cy - my), weights=weight) / var
    return float(np.degrees(np.arctan(slope)))


def members(
    comps: list[Component], height: float, a: int, b: int
) -> tuple[list[Component], list[Component]]:
    """The components of stretch [a, b): (narrow ones centred in it, wide ones crossing it)."""
    owned = [c for c in comps if not is_wide(c, height) and a <= c.cx < b]
    wide = [c for c in comps if is_wide(c, height) and c.x0 < b and c.x1 > a]
    return owned, wide


def piece(
    clean: np.ndarray,
    labels: np.ndarray,
    owned: list[Component],
    wide: list[Component],
    a: int,
    b: int,
) -> tuple[np.ndarray, tuple[int, int, int, int], int] | None:
    """The ink of stretch [a, b): the ``owned`` components whole, the ``wide`` ones cut
    at a and b (see :func:`members`). Returns (ink cropped to its box, box, the widest
    run of empty columns inside it), or None if the stretch holds (almost) no ink."""
    if not owned and not wide:
        return None
    x0 = min([c.x0 for c in owned] + [max(a, c.x0) for c in wide])
    x1 = max([c.x1 for c in owned] + [min(b, c.x1) for c in wide])
    y0 = min(c.y0 for c in owned + wide)
    y1 = max(c.y1 for c in owned + wide)
    lab = labels[y0:y1, x0:x1]
    keep = pixels_of(lab, owned)
    if wide:
        inside = slice(max(a, x0) - x0, min(b, x1) - x0)
        keep[:, inside] |= pixels_of(lab[:, inside], wide)
    if keep.sum() < 4:
        return None
    inked = keep.any(axis=0)  # the columns with ink
    rows, cs = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(inked)
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cs[0], cs[-1] + 1
    ink = np.where(keep, clean[y0:y1, x0:x1], 0)[r0:r1, c0:c1]
    return ink, (x0 + c0, y0 + r0, x0 + c1, y0 + r1), widest_gap(inked[c0:c1])


def pixels_of(lab: np.ndarray, comps: list[Component]) -> np.ndarray:
    """Where labels lab (h, w) belong to one of comps: (h, w) bool."""
    keep = np.zeros(lab.shape, bool)
    for c in comps:
        keep |= lab == c.label
    return keep


def widest_gap(inked: np.ndarray) -> int:
    """The longest run of False in ``inked`` (w,) bool: whether each column has ink."""
    if inked.all():
        return 0
    empty = np.concatenate([[0], (~inked).astype(np.int8), [0]])
    edges = np.diff(empty)
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())


@dataclass
class Prepared:
    """A line's ink ready to be cut: clean ink (H, W) in [0, 1], its mask and component
    labels (H, W), the components that are not specks, the line height in pixels, and
    (input shape, degrees) if the line was turned level to be read, the whole factor
    the input was shrunk by (its boxes are multiplied back), and the labels of the
    components that are printed bars, not writing."""

    clean: np.ndarray
    mask: np.ndarray
    labels: np.ndarray
    comps: list[Component]
    height: float
    turn: tuple[tuple[int, int], float] | None
    scale: int = 1

    @cached_property
    def printed(self) -> frozenset:
        """The labels of the components that are printed bars (:func:`printed_lines`)."""
        return printed_lines(self)

    @cached_property
    def ink_level(self) -> float:
        """The median darkness of the line's ink."""
        return float(np.median(self.clean[self.mask]))

    @cached_property
    def pen_width(self) -> float:
        """The mean width of the line's strokes, in pixels."""
        return stroke_width(self.mask.astype(np.float64))


def prepare(ink: np.ndarray) -> Prepared:
    """Ink intensity (H, W) (1 = ink, 0 = paper) brought to the working size, cleaned of
    the paper's level and of ruled lines, levelled and labelled; NoDigitError if there is
    no ink."""
    ink = np.asarray(ink, np.float64)
    height, stroke = writing_size(ink)
    scale = working_factor(height, stroke)
    clean, mask = ink_mask(pool(ink, scale), block=block_for(height / scale), height=height / scale)
    turn = None
    ruled = rule_angle(mask)  # ruled lines turned with the photo: level them first
    if abs(ruled) >= 0.5:
        turn = (clean.shape, ruled)
        clean = rotate(clean, ruled)
        mask = threshold(clean, height / scale)
    lines, labels, comps, height = unruled(mask, height / scale)
    if lines.any():
        mask &= ~lines
        clean = np.where(lines, 0.0, clean)
        labels, comps, height = digit_components(mask)
    angle = level_angle(comps, labels)
    if turn is None and abs(angle) > 1.0 and len(comps) > 2:
        turn = (clean.shape, angle)
        clean = rotate(clean, angle)
        mask = threshold(clean, height)
        labels, comps, height = digit_components(mask)
    for c in comps:
        box = (slice(c.y0, c.y1), slice(c.x0, c.x1))
        c.split = two_strokes(clean[box], labels[box] == c.label, height)
    return Prepared(clean, mask, labels, comps, height, turn, scale)


def printed_lines(line: Prepared) -> frozenset:
    """The labels of the components of ``line`` that are printed bars
    (:func:`is_printed_bar`)."""
    out = set()
    for c in line.comps:
        if bar_shaped(c.height, c.width, line.height):
            box = (slice(c.y0, c.y1), slice(c.x0, c.x1))
            if is_printed_bar(np.where(line.labels[box] == c.label, line.clean[box], 0), line):
                out.add(c.label)
    return frozenset(out)


def bar_shaped(h: int, w: int, height: float) -> bool:
    """Whether a piece h by w pixels is a bar taller than digits ``height`` pixels high
    (PRINTED_TALL) and narrow (PRINTED_WIDE)."""
    return h >= PRINTED_TALL * height and w < PRINTED_WIDE * height


def is_printed_bar(ink: np.ndarray, line: Prepared) -> bool:
    """Whether ink (h, w) (0 off the piece) is a printed line, not the writer's stroke: a
    bar taller than the digits and narrow (:func:`bar_shaped`), its strokes thinner
    (PRINTED_THIN) and its ink fainter (PRINTED_FAINT) than the line's. A box's side, or
    a dashed one, reads as a 1; the writer's own 1s are of the same pen as the rest."""
    if not bar_shaped(*ink.shape, line.height):
        return False
    inked = ink > 0
    return (
        stroke_width(inked.astype(np.float64)) < PRINTED_THIN * line.pen_width
        and float(np.median(ink[inked])) < PRINTED_FAINT * line.ink_level
    )


@dataclass
class Candidates:
    """Every stretch of a line that may be one digit.

    cuts: the x positions cut at (in the levelled line); spans: (first cut, last cut,
    box in the input image's pixels, widest inner gap in line heights, index of its
    crop) per candidate (spans with the same ink share a crop); crops: (K, 28, 28)
    float32 in MNIST's form, every crop cut so far (a closer look adds to the first
    look's ``first``); empty: for each pair of neighbouring cuts, whether the stretch
    between them has no ink; height: the line height in pixels; inks: what was cut so
    far, by the components a stretch holds, so that a closer look cuts only what is new;
    printed: the crops of a printed bar (:func:`is_printed_bar`) or holding one.
    """

    cuts: list[int]
    spans: list[tuple[int, int, tuple[int, int, int, int], float, int]]
    crops: np.ndarray
    empty: list[bool]
    height: float
    first: int  # how many of the crops the first look cut
    scale: int = 1  # the boxes times this are in the input image's pixels
    whole: set = field(default_factory=set, repr=False)  # crops that may be one mark
    inks: dict = field(default_factory=dict, repr=False)  # the ink's components -> cut_piece's
    printed: set = field(default_factory=set, repr=False)  # crops of a printed bar


def candidates(ink: np.ndarray, closer: bool = False) -> Candidates:
    """Candidate digits in ink intensity (H, W) (1 = ink, 0 = paper) at a first look;
    with ``closer``, also those of a closer look at every wide component (its crops come
    after the first look's ``first``). NoDigitError if there are none."""
    line = prepare(ink)
    found = cut_line(line, cut_candidates(line.mask, line.comps, line.height))
    wide = [c for c in line.comps if is_very_wide(c, line.height)] if closer else []
    if wide:
        found = cut_line(line, cut_candidates(line.mask, line.comps, line.height, wide), found)
    return found


def cut_line(line: Prepared, cuts: list[int], before: Candidates | None = None) -> Candidates:
    """The candidates between ``cuts``; ink already cut ``before`` is not cut again
    (crops keep their indices)."""
    comps, height = line.comps, line.height
    crops = list(before.crops) if before else []
    inks = dict(before.inks) if before else {}
    bars = set(before.printed) if before else set()  # crops whose own ink is a printed bar
    old = set(before.cuts) if before else set(cuts)  # a closer look's cuts are the others
    inner = [
        x not in old and any(c.x0 < x < c.x1 for c in comps if is_wide(c, height)) for x in cuts
    ]
    spans = []
    empty = [False] * (len(cuts) - 1)
    for i, a in enumerate(cuts):
        for j in range(i + 1, len(cuts)):
            width = cuts[j] - a
            if j > i + 1 and width > MAX_WIDTH * height + 2:
                break  # (the next stretch is always a candidate: every path needs one)
            if j > i + 1 and (inner[i] or inner[j]) and width > CUT_WIDTH * height + 2:
                continue
            found = cut_piece(line, a, cuts[j], crops, inks, bars, gapped=j == i + 1)
            if found is None:
                empty[i] |= j == i + 1
                continue
            if found[2] is None:  # two pieces side by side: each is read on its own
                continue
            spans.append((i, j, *found))
    if not crops:
        raise NoDigitError("no digits found")
    first = before.first if before else len(crops)
    spans_of = {c.label: (c.x0, c.x1) for c in comps}  # a wide component uncut is whole too
    whole = {
        v[2]
        for k, v in inks.items()
        if v is not None
        and v[2] is not None
        and all(spans_of[label] == (a, b) for label, a, b in k[1])
        and one_mark([spans_of[label] for label in k[0]] + [(a, b) for _, a, b in k[1]])
    }
    printed = bars | {
        v[2]
        for k, v in inks.items()
        if v is not None
        and v[2] is not None
        and line.printed.intersection([*k[0], *(label for label, _, _ in k[1])])
    }
    return Candidates(
        cuts, spans, np.stack(crops), empty, height, first, line.scale, whole, inks, printed
    )


def one_mark(spans: list[tuple[int, int]]) -> bool:
    """Whether components spanning columns ``spans`` (x0, x1) may be one mark: one, or
    stacked above each other (an = sign's bars), never side by side (a sign and the digit
    beside it)."""
    x0, x1 = max(spans, key=lambda s: s[1] - s[0])
    slack = max(2, (x1 - x0) // 4)
    return all(a >= x0 - slack and b <= x1 + slack for a, b in spans)


def cut_piece(
    line: Prepared,
    a: int,
    b: int,
    crops: list[np.ndarray],
    inks: dict,
    bars: set[int],
    gapped: bool = True,
) -> tuple[tuple[int, int, int, int], float, int | None] | None:
    """Stretch [a, b) of the line as (box in the input image, widest inner gap in line
    heights, index of its crop in ``crops``), its crop appended to ``crops`` unless a
    stretch with the same ink was cut before (``inks``); None if it holds no ink.
    Unless ``gapped``, ink with an empty gap wider than GAP inside is not cut out (the
    index is None): it is two pieces, and each is a candidate on its own."""
    owned, wide = members(line.comps, line.height, a, b)
    key = (  # the ink of a stretch is its components, the wide ones clipped to [a, b)
        tuple(c.label for c in owned),
        tuple((c.label, max(a, c.x0), min(b, c.x1)) for c in wide),
    )
    if key not in inks:
        found = piece(line.clean, line.labels, owned, wide, a, b)
        if found is None:
            inks[key] = None
            return None
        ink, box, gap = found
        box = unrotate_box(box, *line.turn) if line.turn else box
        inks[key] = (box, gap / line.height, None)
        if not gapped and gap / line.height > GAP:
            return inks[key]
    elif inks[key] is None or inks[key][2] is not None or not gapped:
        return inks[key]
    else:  # met before in a longer stretch (one with an empty end), left uncut there
        ink = piece(line.clean, line.labels, owned, wide, a, b)[0]
    crops.append(fit_to_mnist(ink))
    inks[key] = (*inks[key][:2], len(crops) - 1)
    if is_printed_bar(ink, line):
        bars.add(len(crops) - 1)
    return inks[key]


def read_line(ink: np.ndarray, classify: Classifier, threshold: float = 0.5) -> Reading:
    """Read the digits in ink intensity (H, W) (1 = ink, 0 = paper) with ``classify``.

    A first look cuts where cuts are likely; if a digit read from a wide component is
    not sure (under SURE), that component is cut on a grid and the line read again
    (only the new crops are classified)."""
    line = prepare(ink)
    found = cut_line(line, cut_candidates(line.mask, line.comps, line.height))
    probs = normalise(classify(found.crops.reshape(len(found.crops), 784)))
    path = best_path(found, probs)
    unsure = unsure_components(line, found, probs, path)
    if unsure:
        cuts = cut_candidates(line.mask, line.comps, line.height, unsure)
        found = cut_line(line, cuts, found)
        new = found.crops[len(probs) :]
        if len(new):
            probs = np.concatenate([probs, normalise(classify(new.reshape(len(new), 784)))])
        path = best_path(found, probs)
    digits = []
    for s in path:
        _, _, box, _, c = found.spans[s]
        k = int(probs[c].argmax())
        box = tuple(int(v) * found.scale for v in box)
        digits.append(Digit(k, float(probs[c, k]), box, found.crops[c]))
    return Reading(digits, threshold)


def unsure_components(
    line: Prepared, found: Candidates, probs: np.ndarray, path: list[int]
) -> list[Component]:
    """The wide components under a digit of ``path`` read with less than SURE confidence,
    or under none (left out as a mark: they may be digits that overlap with no valley to
    cut at)."""
    out = []
    for c in line.comps:
        if not is_very_wide(c, line.height):
            continue
        under = [
            k
            for s in path
            for i, j, *_, k in [found.spans[s]]
            if found.cuts[i] < c.x1 and found.cuts[j] > c.x0
        ]
        if not under or min(probs[k].max() for k in under) < SURE:
            out.append(c)
    return out


def normalise(scores: np.ndarray) -> np.ndarray:
    """Scores (K, 10) as probabilities (float64, each row summing to 1)."""
    scores = np.asarray(scores, np.float64)
    return scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)


def best_path(found: Candidates, probs: np.ndarray) -> list[int]:
    """Indices of the candidates that go from the first cut to the last with the highest
    total of log-confidence minus the priors' costs; stretches with no ink may be skipped
    for free, whole components for a mark's price (:func:`mark_value`); a printed bar
    read as a 1 pays PRINTED_COST (:func:`is_printed_bar`). probs: (K, 10),
    each crop's class probabilities, "not a digit" folded in (:func:`digit_share`)."""
    spans, empty, height = found.spans, found.empty, found.height
    n_cuts = len(empty) + 1
    score = np.full(n_cuts, -np.inf)
    back: list[tuple[int, int | None]] = [(-1, None)] * n_cuts
    score[0] = 0.0
    by_start: dict[int, list[int]] = {}
    for s, (i, *_) in enumerate(spans):
        by_start.setdefault(i, []).append(s)
    digit = np.log(digit_share(probs) + 1e-9)
    for i in range(n_cuts):
        if not np.isfinite(score[i]):
            continue
        if i + 1 < n_cuts and empty[i] and score[i] > score[i + 1]:  # skip a gap
            score[i + 1], back[i + 1] = score[i], (i, None)
        for s in by_start.get(i, []):
            _, j, box, gap, c = spans[s]
            width, tall = (box[2] - box[0]) / height, (box[3] - box[1]) / height
            value = digit[c] - DIGIT_COST
            value -= WIDTH_PENALTY * max(0.0, width - FULL) ** 2
            if tall < SHORT:  # a fragment, or a mark; a short bar most of all (a comma)
                value -= SHORT_COST + SHORT_ONE_COST * (probs[c].argmax() == 1)
            value -= GAP_COST * (gap > GAP)
            printed = c in found.printed and probs[c].argmax() == 1
            value -= PRINTED_COST * printed
            if score[i] + value > score[j]:
                score[j], back[j] = score[i] + value, (i, s)
            skip = mark_value(probs[c], tall, printed) if c in found.whole else -math.inf
            if score[i] + skip > score[j]:  # or a mark, not a digit: left out
                score[j], back[j] = score[i] + skip, (i, None)
    path, j = [], n_cuts - 1
    while j > 0:
        i, s = back[j]
        if s is not None:
            path.append(s)
        j = i
    return path[::-1]


def digit_share(probs: np.ndarray) -> np.ndarray:
    """The probability (K,) that each crop is its likeliest digit, from the ten outputs
    (K, 10) into which the reader folded its "not a digit" share p_not as p_not / 10
    each: the likeliest output less the lowest (which is at least p_not / 10). Folded, a
    dash the reader is sure is no digit still reads as some digit at 0.1 each; unfolded,
    near 0, so a mark costs what it should against a digit."""
    return np.clip(probs.max(axis=1) - probs.min(axis=1), 0.0, 1.0)


def not_a_digit_share(probs: np.ndarray) -> np.ndarray:
    """An upper bound on the reader's "not a digit" share p_not of each piece, from its
    ten folded outputs (..., 10): p_not was folded in as p_not / 10 each, so ten times the
    lowest output (at most 1). Shape (...)."""
    return np.minimum(1.0, 10 * probs.min(axis=-1))


def mark_value(probs: np.ndarray, tall: float, printed: bool = False) -> float:
    """The log-score of reading a piece as a mark that is no digit (a dot, a dash, a
    currency sign, a stain), from its ten folded outputs (10,) and its height in line
    heights. The reader's "not a digit" share p_not was folded into its ten
    outputs as p_not / 10 each, so the lowest output bounds it: p_not ≤ 10 · min. A short
    piece is more likely a mark; one as tall as the digits less (a slash, a dollar sign).
    Width says nothing: a euro sign is as wide as a digit, and digits that touch, read
    badly as one, are looked at closer (:func:`unsure_components`). A short bar (a
    comma, an apostrophe) is a mark whatever the reader says: it reads every bar as a
    1, for it is never taught that a bar, a 1's shape, is no digit; so is a ``printed``
    bar (:func:`is_printed_bar`)."""
    p_not = float(not_a_digit_share(probs))
    if (tall < SHORT or printed) and probs.argmax() == 1:
        p_not = 1.0  # a short or printed bar: never taught bars as marks, it reads 1s
    value = math.log(p_not + 1e-4) - MARK_COST
    if tall < MARK_SHORT:
        value += MARK_SHORT_BONUS
    elif tall > MARK_TALL:
        value -= MARK_TALL_COST
    return value


def rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    """img (H, W) turned ``degrees`` anticlockwise (as seen) about its centre, same size."""
    im = Image.fromarray(img.astype(np.float32), "F")
    return np.asarray(im.rotate(degrees, resample=Image.BILINEAR), np.float64)


def unrotate_box(
    box: tuple[int, int, int, int], shape: tuple[int, int], degrees: float
) -> tuple[int, int, int, int]:
    """The box (in the levelled image) as an upright box in the original image."""
    h, w = shape
    cx, cy = (w - 1) / 2, (h - 1) / 2
    t = math.radians(degrees)
    cos, sin = math.cos(t), math.sin(t)
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * cos - dy * sin)  # the inverse of PIL's turn
        ys.append(cy + dx * sin + dy * cos)
    return (
        max(0, math.floor(min(xs))),
        max(0, math.floor(min(ys))),
        min(w, math.ceil(max(xs))),
        min(h, math.ceil(max(ys))),
    )
