"""Training examples for the reader, cut by the reader's own segmentation.

A network trained on MNIST alone is sure of itself on anything: half a 0 looks like a
confident 1, two touching 1s like a confident 4. The segmentation needs a network that
says "this is not one digit". So lines are made from MNIST *training* images
(:mod:`digitnet.vision.synth`), cut into candidates exactly as ``read`` cuts them, and
each candidate is labelled by its overlap with the true digit boxes: a candidate that
matches one digit is that digit; one that matches none (a fragment, a pair, a digit and
a piece of its neighbour) is NOT_A_DIGIT, which the reader learns as an eleventh class
(:mod:`digitnet.vision.reader_train`; its digit scores come out low). Where digits
overlap, no straight cut gives a clean digit, and the best candidate for a digit may
hold a tail of its neighbour: it is the one ``read`` must accept, so it is taught as
that digit too.

Most candidates are not digits (5,000 lines give about 110,000 pieces and pairs
against 26,000 digits), so a share ``negatives`` of them is kept: more lines then give
more digits seen in context (with their neighbours' tails, blur and paper) at the same
training cost.

With ``closer``, every line is also cut as ``read``'s closer look cuts it (wide
components on a fine grid): the pieces of overlapping digits join the examples, and a
share CLOSER_NEGATIVES of the many grid fragments (near copies of each other).
"""

from __future__ import annotations

import numpy as np

from digitnet.data.datasets import NOT_A_DIGIT
from digitnet.progress import Bar
from digitnet.vision.preprocess import NoDigitError, ink_intensity
from digitnet.vision.segment import candidates
from digitnet.vision.synth import make_line
from digitnet.vision.world import make_world_line

MATCH = 0.85  # IoU with a true box: the candidate is that digit
MISS = 0.5  # best IoU under this: the candidate is not a digit
BEST = 0.6  # the candidate that matches a true digit best is that digit from this IoU on
PAIR = 0.5  # covering this much of two or more true boxes: a pair, not a digit
ONE_WIDTH = 8  # a piece narrower than this in MNIST's 28x28 form may be a 1
CLOSER_NEGATIVES = 0.25  # the share of the closer look's "not a digit" pieces kept


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


def covered(box: tuple[int, int, int, int], true: tuple[int, int, int, int]) -> float:
    """The share of box ``true``'s area that lies inside ``box``."""
    w = min(box[2], true[2]) - max(box[0], true[0])
    h = min(box[3], true[3]) - max(box[1], true[1])
    area = (true[2] - true[0]) * (true[3] - true[1])
    return w * h / area if w > 0 and h > 0 and area > 0 else 0.0


def segmentation_examples(
    images: np.ndarray,
    labels: np.ndarray,
    lines: int,
    rng: np.random.Generator,
    progress: bool = True,
    closer: bool = False,
    negatives: float = 1.0,
    world: float = 0.0,
    jobs: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates cut from ``lines`` synthetic lines of images (N, 28, 28) uint8, of
    which a share ``negatives`` (drawn at random) of those that are not digits; a share
    ``world`` of the lines are real-world lines (:mod:`digitnet.vision.world`: paper,
    pens, marks, camera), the rest MNIST-like ones (:mod:`digitnet.vision.synth`).
    ``jobs`` processes cut lines at once (each from its own seed drawn from ``rng``).

    Returns crops (M, 28, 28) uint8 and labels (M,): a digit, or NOT_A_DIGIT (matching
    no digit, or holding most of two); see :func:`targets_of`.
    """
    chunks = min(max(1, jobs) * 4, lines)
    sizes = [lines // chunks + (k < lines % chunks) for k in range(chunks)]
    seeds = [int(s) for s in rng.integers(0, 2**63, chunks)]
    work = [(n, seed, closer, negatives, world) for n, seed in zip(sizes, seeds, strict=True)]
    bar = Bar("Cutting lines", lines, enabled=None if progress else False)
    global _SOURCE
    _SOURCE = (images, labels)
    parts, done = [], 0
    try:
        if jobs > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork")  # the workers share the images
            with ProcessPoolExecutor(jobs, mp_context=context) as pool:
                for (n, *_), part in zip(work, pool.map(_cut_lines, work), strict=True):
                    parts.append(part)
                    done += n
                    bar.update(done)
        else:
            for item in work:
                parts.append(_cut_lines(item))
                done += item[0]
                bar.update(done)
    finally:
        _SOURCE = None
    bar.close()
    return np.concatenate([c for c, _ in parts]), np.concatenate([t for _, t in parts])


_SOURCE: tuple[np.ndarray, np.ndarray] | None = None  # the images a worker cuts lines of


def _cut_lines(item: tuple[int, int, bool, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(crops (M, 28, 28) uint8, targets (M,)) of ``n`` lines made from seed ``seed``."""
    n, seed, closer, negatives, world = item
    images, labels = _SOURCE
    rng = np.random.default_rng(seed)
    thin = rng.spawn(1)[0]  # draws which negatives are kept (leaves rng, so the lines, as is)
    crops, targets = [np.zeros((0, 28, 28), np.uint8)], [np.zeros(0, np.int64)]
    for _ in range(n):
        if rng.random() < world:
            line = make_world_line(images, labels, rng)
        else:
            line = make_line(images, labels, rng)
        try:
            found = candidates(ink_intensity(line.image), closer)
        except NoDigitError:
            continue
        scale = found.scale  # each crop's box, in the line's pixels
        boxes = {c: tuple(v * scale for v in box) for _, _, box, _, c in reversed(found.spans)}
        for c, target in sorted(targets_of(boxes, line.boxes, line.text).items()):
            keep = CLOSER_NEGATIVES if c >= found.first else negatives  # grid piece or not
            if target == NOT_A_DIGIT and (
                (keep < 1 and thin.random() >= keep) or looks_like_a_one(found.crops[c])
            ):
                continue
            crops.append(np.rint(found.crops[c] * 255).astype(np.uint8)[None])
            targets.append(np.array([target], np.int64))
    return np.concatenate(crops), np.concatenate(targets)


def looks_like_a_one(crop: np.ndarray) -> bool:
    """Whether a crop (28, 28) in MNIST's form is a tall narrow bar: a 1 to the eye, even
    when it is a box's side or a ruled line's remnant. Such pieces are never taught as
    "not a digit": the reader would learn to doubt every plain 1."""
    cols = np.flatnonzero((crop > 0.3).any(axis=0))
    rows = np.flatnonzero((crop > 0.3).any(axis=1))
    return len(cols) > 0 and cols[-1] - cols[0] < ONE_WIDTH and rows[-1] - rows[0] >= 14


def targets_of(
    boxes: dict[int, tuple[int, int, int, int]], true: list[tuple[int, int, int, int]], text: str
) -> dict[int, int]:
    """Training targets for candidates (crop index -> box) of a line whose digits ``text``
    have boxes ``true``: a digit, or NOT_A_DIGIT; candidates partly one digit are left out.

    A candidate is digit k if it matches k's box (IoU ≥ MATCH), or if it is the best
    candidate for k with IoU ≥ BEST (overlapping digits leave no cleaner one); it is
    NOT_A_DIGIT if it matches no box (IoU < MISS) or holds most of two.
    """
    out: dict[int, int] = {}
    best: dict[int, tuple[float, int]] = {}  # true digit -> (IoU, crop) of its best
    for c, box in boxes.items():
        overlaps = [iou(box, t) for t in true]
        k = int(np.argmax(overlaps))
        if sum(covered(box, t) >= PAIR for t in true) >= 2 or overlaps[k] < MISS:
            out[c] = NOT_A_DIGIT  # (a "1" beside a "4" can match the 4 well)
            continue
        if overlaps[k] >= MATCH:
            out[c] = int(text[k])
        if overlaps[k] > best.get(k, (0.0, -1))[0]:
            best[k] = (overlaps[k], c)
    for k, (overlap, c) in best.items():
        if overlap >= BEST:
            out[c] = int(text[k])
    return out
