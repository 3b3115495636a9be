"""Reading real-looking handwriting: issue 5's accuracy and speed targets.

    python bench/bench_read.py [--lines 500] [--seeds 0,5,7,11] [--model FILE ...]

- lines of 2-8 MNIST *test* digits from `digitnet.vision.synth` (seed 0; a third of the
  gaps touching or overlapping; also a run with no touching gaps): share read exactly;
  the touching run also for each of --seeds, and their median (the lines, not the
  models, change with the seed);
- single digits: each MNIST test image as a PNG-like picture (dark on light, and light on
  dark, 3x enlarged) through `predict`'s preprocessing, against the model's accuracy on
  the arrays themselves;
- time to read a 6-digit line after the model is loaded (median), and a whole
  `digitnet read IMAGE` command including start-up (median of 5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from digitnet.data import load
from digitnet.train import as_inputs
from digitnet.vision.preprocess import ink_intensity, preprocess_image
from digitnet.vision.read import default_model_paths, load_readers
from digitnet.vision.reader_train import line_accuracy
from digitnet.vision.segment import read_line
from digitnet.vision.synth import make_line
from report import machine, write_section


def single_digits(model, images, labels) -> tuple[float, float, float]:
    """(accuracy on arrays, as dark-on-light pictures, as light-on-dark pictures)."""
    arrays = float(np.mean(model.predict(as_inputs(images, model.dtype)) == labels))
    out = []
    for invert in (True, False):
        x = np.stack(
            [
                preprocess_image(
                    Image.fromarray(255 - img if invert else img).resize((84, 84), Image.BILINEAR)
                )
                for img in images
            ]
        )
        out.append(float(np.mean(model.predict(x.reshape(len(x), 784)) == labels)))
    return arrays, out[0], out[1]


def line_seconds(model, images, labels, repeats: int = 50) -> tuple[float, float]:
    """(median, mean) seconds to read a 6-digit line; the mean counts the lines that
    needed a closer look."""
    rng = np.random.default_rng(1)
    times = []
    for _ in range(repeats):
        line = make_line(images, labels, rng, digits=6)
        start = time.perf_counter()
        read_line(ink_intensity(line.image), model.predict_proba)
        times.append(time.perf_counter() - start)
    return statistics.median(times), statistics.mean(times)


def command_seconds(images, labels, models: list[str] | None, repeats: int = 5) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "number.png"
        make_line(images, labels, np.random.default_rng(2), digits=6).image.save(path)
        cmd = [sys.executable, "-m", "digitnet", "read", str(path)]
        cmd += [a for m in models or [] for a in ("--model", m)]
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument(
        "--model",
        action="append",
        help="model file, more than once for several (default: the shipped readers)",
    )
    parser.add_argument("--seeds", default="0,5,7,11", help="generator seeds, comma-separated")
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    model = load_readers(args.model)
    images, labels = load("mnist", "test", args.data_dir)
    touching = line_accuracy(model, images, labels, args.lines, seed=0, touching=1 / 3)
    apart = line_accuracy(model, images, labels, args.lines, seed=0, touching=0.0)
    per_seed = [
        touching if s == 0 else line_accuracy(model, images, labels, args.lines, s, 1 / 3)
        for s in seeds
    ]
    arrays, dark, light = single_digits(model, images, labels)
    per_line, per_line_mean = line_seconds(model, images, labels)
    command = command_seconds(images, labels, args.model)
    names = ", ".join(args.model or [p.name for p in default_model_paths()])
    name = f"the mean of {names}" if args.model else f"the shipped readers, the mean of {names}"
    invocation = f"python bench/bench_read.py --lines {args.lines} --seeds {args.seeds}"
    body = f"""## Reading numbers: `digitnet read`

Command: `{invocation}`; model: {name}; machine: {machine()}.
Lines are made by `digitnet.vision.synth.make_line` from MNIST test digits (seed 0, 2-8
digits, 28-48 px high, gaps touching or overlapping by up to 15% with the share given,
a turn of up to 3°, uneven light, paper texture, blur, JPEG quality 60-95).

"""
    rows = [
        ("lines read exactly, a third of the gaps touching", "≥ 95%", f"{touching:.1%}"),
        (
            f"the same, seeds {args.seeds}: median (each)",
            "",
            f"{statistics.median(per_seed):.1%} ({', '.join(f'{a:.1%}' for a in per_seed)})",
        ),
        ("lines read exactly, no touching gaps", "", f"{apart:.1%}"),
        (
            "single digits: on the arrays / dark-on-light pictures / light-on-dark",
            "within 0.3 points",
            f"{arrays:.2%} / {dark:.2%} / {light:.2%}",
        ),
        (
            "reading a 6-digit line, model loaded (median of 50; mean)",
            "≤ 50 ms",
            f"{per_line:.3f} s; {per_line_mean:.3f} s",
        ),
        ("whole `digitnet read IMAGE`, with start-up (median of 5)", "≤ 1.5 s", f"{command:.2f} s"),
    ]
    body += "| measure | target | measured |\n|---|---|---|\n"
    body += "".join(f"| {a} | {b} | {c} |\n" for a, b, c in rows)
    write_section("bench_read", body)


if __name__ == "__main__":
    main()
