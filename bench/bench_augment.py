"""What augmentation costs: epoch time with and without it, in the same run.

    python bench/bench_augment.py [--epochs 4]

For the book's 784-30-10 network (compiled fast path) and a 784-256-10 ReLU/softmax
network with Adam (the NumPy engine), times epochs with --augment none, shift and random
and writes the medians and ratios into BENCHMARKS.md. The target: at most 1.5x.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace

import numpy as np

from digitnet.config import ModelSpec, TrainConfig
from digitnet.data import load_all
from digitnet.nn import build, losses
from digitnet.train import fit
from report import machine, median, write_section

CASES = {
    "784-30-10 sigmoid, quadratic, SGD, mini-batch 10 (fast path)": (
        ModelSpec.from_sizes([784, 30, 10]),
        TrainConfig(mini_batch_size=10, learning_rate=3.0),
    ),
    "784-256-10 ReLU/softmax, Adam, mini-batch 128 (engine)": (
        ModelSpec(
            784,
            [
                {"type": "dense", "units": 256, "activation": "relu"},
                {"type": "dense", "units": 10, "activation": "softmax"},
            ],
            "log-likelihood",
            "he",
        ),
        TrainConfig(mini_batch_size=128, learning_rate=1e-3, optimizer="adam"),
    ),
}


def epoch_seconds(spec, config, x, y) -> float:
    rng = np.random.default_rng(0)
    model = build(spec, rng, np.float32)
    history = fit(model, losses.get(spec.cost), x, y, config, rng, progress=False)
    return median([e.seconds for e in history.epochs[1:]])  # the first warms up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    x, y = load_all("mnist", args.data_dir)["train"]
    lines = [
        "## What augmentation costs per epoch",
        "",
        f"Command: `python bench/bench_augment.py --epochs {args.epochs}`; machine: "
        f"{machine()}. Median seconds of epochs 2..{args.epochs} (50,000 images; the "
        "augmented images are drawn anew each epoch). Target: at most 1.5x.",
        "",
        "| network | none (s) | shift (s) | random (s) | shift / none | random / none |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (spec, base) in CASES.items():
        base = replace(base, epochs=args.epochs, monitor_training=False, keep="last")
        t = {
            a: epoch_seconds(spec, replace(base, augment=a), x, y)
            for a in ("none", "shift", "random")
        }
        lines.append(
            f"| {name} | {t['none']:.3f} | {t['shift']:.3f} | {t['random']:.3f} | "
            f"{t['shift'] / t['none']:.2f}x | {t['random'] / t['none']:.2f}x |"
        )
        print(lines[-1])
    write_section("bench_augment", "\n".join(lines))


if __name__ == "__main__":
    main()
