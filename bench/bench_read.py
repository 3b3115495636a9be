"""Reading real-looking handwriting: issue 5's accuracy and speed targets.

    python bench/bench_read.py [--lines 500] [--seeds 0,5,7,11] [--model FILE ...]

- lines of 2-8 MNIST *test* digits from `digitnet.vision.synth` (seed 0; a third of the
  gaps touching or overlapping; also a run with no touching gaps): share read exactly;
  the touching run also for each of --seeds, and their median (the lines, not the
  models, change with the seed);
- single digits: each MNIST test image as a PNG-like picture (dark on light, and light on
  dark, 3x enlarged) through `predict`'s preprocessing, against the model's accuracy on
  the arrays themselves;
- time to read a 6-digit line after the model is loaded (median), the part of it spent
  classifying the crops, and as the peer, the same crops classified by the same networks
  in PyTorch (CPU, all cores) in the same run; and a whole `digitnet read IMAGE` command
  including start-up (median of 5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass
class LineTimes:
    """Reading 6-digit lines, model loaded: seconds per line (median, mean; the mean counts
    the lines that needed a closer look), the median seconds of it spent classifying the
    crops, the same crops classified by the same networks in PyTorch (CPU; None without
    it), and the crops a line."""

    median: float
    mean: float
    classify: float
    classify_torch: float | None
    crops: float


def line_seconds(model, paths: list[Path], images, labels, repeats: int = 50) -> LineTimes:
    """Time ``read_line`` on ``repeats`` synthetic 6-digit lines (generator seed 1)."""
    peer = torch_peer(paths)
    rng = np.random.default_rng(1)
    times, classify, peer_times, seen = [], [], [], []  # seen: each line's batches
    for _ in range(repeats):
        line = make_line(images, labels, rng, digits=6)
        batches: list[np.ndarray] = []
        spent = [0.0]

        def timed(x: np.ndarray, batches=batches, spent=spent) -> np.ndarray:
            start = time.perf_counter()
            out = model.predict_proba(x)
            spent[0] += time.perf_counter() - start
            batches.append(x)
            return out

        start = time.perf_counter()
        read_line(ink_intensity(line.image), timed)
        times.append(time.perf_counter() - start)
        classify.append(spent[0])
        seen.append(batches)
    for batches in seen if peer else []:  # after the NumPy runs: no thread pools fighting
        start = time.perf_counter()
        for x in batches:
            peer(x)
        peer_times.append(time.perf_counter() - start)
    return LineTimes(
        statistics.median(times),
        statistics.mean(times),
        statistics.median(classify),
        statistics.median(peer_times) if peer else None,
        statistics.mean(sum(len(x) for x in batches) for batches in seen),
    )


def torch_peer(paths: list[Path]):
    """The mean of the readers' outputs computed by PyTorch on the CPU, or None."""
    try:
        import torch

        from digitnet import torch_backend
        from digitnet.vision.read import load_reader
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    nets = []
    for p in paths:
        ckpt = load_reader(p)
        nets.append(torch_backend.to_torch(ckpt.model, ckpt.spec, on="cpu").eval())

    def classify(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            batch = torch.from_numpy(np.ascontiguousarray(x, np.float32))
            return torch.stack([net(batch) for net in nets]).mean(0).numpy()

    return classify


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
    paths = [Path(p) for p in args.model] if args.model else default_model_paths()
    speed = line_seconds(model, paths, images, labels)
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
            f"{speed.median * 1e3:.1f} ms; {speed.mean * 1e3:.1f} ms",
        ),
        (
            f"of which classifying its crops ({speed.crops:.0f} a line), median",
            "",
            f"{speed.classify * 1e3:.1f} ms"
            + (
                f" (peer: the same networks in PyTorch {speed.classify_torch * 1e3:.1f} ms)"
                if speed.classify_torch is not None
                else ""
            ),
        ),
        ("whole `digitnet read IMAGE`, with start-up (median of 5)", "≤ 1.5 s", f"{command:.2f} s"),
    ]
    body += "| measure | target | measured |\n|---|---|---|\n"
    body += "".join(f"| {a} | {b} | {c} |\n" for a, b, c in rows)
    write_section("bench_read", body)


if __name__ == "__main__":
    main()
