"""Reading the real-world generator's lines, one condition at a time (issue 23).

    python bench/bench_read_world.py [--lines 60] [--seed 5] [--model FILE ...]

For each condition of :mod:`digitnet.vision.world` (size, pen, background, distractors,
writing, camera) and for all of them at once: the share of ``--lines`` lines of MNIST
*test* digits read exactly right; also MNIST-like touching lines (digitnet.vision.synth,
seed 0), the USPS validation split (its last 1,000 training digits, which the reader
never trains on) as single digits, and "1024" written with pen strokes at digit heights
of 200-1,600 pixels and strokes of 8-60 pixels. Peers (RapidOCR, Tesseract) are not yet
run here.
"""

from __future__ import annotations

import argparse
import contextlib

import numpy as np

from digitnet.data import load, to_inputs
from digitnet.vision.pen import draw_number
from digitnet.vision.preprocess import NoDigitError, ink_intensity
from digitnet.vision.read import load_readers
from digitnet.vision.reader_train import line_accuracy
from digitnet.vision.segment import read_line
from digitnet.vision.world import CONDITIONS, make_world_line

PEN_SIZES = [(200, 8), (400, 30), (800, 60), (1600, 60), (1600, 8), (200, 34)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--model", action="append")
    args = parser.parse_args()
    model = load_readers(args.model)
    x, y = load("mnist", "test")
    ux, uy = load("usps", "validation")
    usps = float(np.mean(model.predict_proba(to_inputs(ux)).argmax(1) == uy))
    print(f"USPS validation single digits: {usps:.1%}")
    print(f"MNIST touching lines (200, seed 0): {line_accuracy(model, x, y, 200, seed=0):.1%}")
    for condition in [*CONDITIONS, None]:
        rng = np.random.default_rng(args.seed)
        right = 0
        for _ in range(args.lines):
            line = make_world_line(x, y, rng, condition)
            with contextlib.suppress(NoDigitError):
                right += read_line(ink_intensity(line.image), model.predict_proba, 0).text == (
                    line.text
                )
        print(f"world, {condition or 'all at once'}: {right / args.lines:.1%} of {args.lines}")
    right = 0
    for height, stroke in PEN_SIZES:
        img = draw_number("1024", height, stroke).convert("RGB")
        right += read_line(ink_intensity(img), model.predict_proba, 0.5).text == "1024"
    print(f"pen '1024' at 200-1,600 px: {right} of {len(PEN_SIZES)}")


if __name__ == "__main__":
    main()
