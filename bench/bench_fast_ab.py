"""The fast path's kernel against an earlier version of itself, in the same run.

    python bench/bench_fast_ab.py [--old a655ec2] [--rounds 5]

The machine is shared and its speed drifts by half from minute to minute, so the two
kernels take turns: each round trains one epoch of 784-30-10 (float32, quadratic cost,
η 3.0) with each, at mini-batch 10 and 100, on the 50,000 MNIST training images, each
kernel carrying on from its own weights. The first round warms up and is not counted.
``--old`` names a git revision whose ``src/digitnet/nn/fast.py`` holds its own kernel
(a655ec2 or earlier; later ones import nn/fast_kernel.py); that file is loaded from git.
Writes the medians and the ratio into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from digitnet.config import ModelSpec
from digitnet.data import load_all
from digitnet.nn import build, fast, losses
from digitnet.nn.optim import SGD
from report import machine, median, write_section

ROOT = Path(__file__).resolve().parents[1]


def old_module(revision: str):
    """fast.py as it was at ``revision``, imported under another name."""
    source = subprocess.run(
        ["git", "show", f"{revision}:src/digitnet/nn/fast.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="fast_ab_"))
    path = folder / "fast_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("fast_old", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runner(module, x: np.ndarray, labels: np.ndarray):
    """A FastSGD of ``module`` on a fresh 784-30-10 network (seed 0)."""
    model = build(ModelSpec.from_sizes([784, 30, 10]), np.random.default_rng(0), np.float32)
    optimizer = SGD(model.param_grad_pairs(), 3.0, n_train=len(x))
    return module.FastSGD(model, x, labels, losses.get("quadratic"), optimizer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="a655ec2", help="git revision of the old kernel")
    parser.add_argument("--rounds", type=int, default=5, help="epochs per kernel and size")
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()

    images, labels = load_all("mnist", args.data_dir)["train"]
    labels = labels.astype(np.int64)
    kernels = {"old": old_module(args.old), "new": fast}
    times: dict[tuple[str, int], list[float]] = {}
    for m in (10, 100):
        runners = {name: runner(module, images, labels) for name, module in kernels.items()}
        for round_ in range(args.rounds + 1):
            order = np.random.default_rng(round_).permutation(len(images))
            for name, run in runners.items():
                start = time.perf_counter()
                run.run(order, 0, len(images), m)
                if round_:  # the first round compiles and warms up
                    times.setdefault((name, m), []).append(time.perf_counter() - start)

    rows = []
    for m in (10, 100):
        old, new = median(times[("old", m)]), median(times[("new", m)])
        rows.append(f"| {m} | {old:.3f} | {new:.3f} | {new / old:.2f} |")
        print(f"mini-batch {m}: old {old:.3f} s, new {new:.3f} s, new/old {new / old:.2f}")
    body = "\n".join(
        [
            "## The fast path against its earlier kernel (784-30-10, float32, 50,000 images)",
            "",
            f"Command: `python bench/bench_fast_ab.py --old {args.old} --rounds {args.rounds}`;"
            f" machine: {machine()}. The kernels take turns, an epoch each; medians of"
            f" {args.rounds} epochs each.",
            "",
            f"| mini-batch | {args.old} (s/epoch) | now (s/epoch) | now / {args.old} |",
            "|---:|---:|---:|---:|",
            *rows,
        ]
    )
    write_section("bench_fast_ab", body)
    print(f"(written to {ROOT / 'BENCHMARKS.md'})", file=sys.stderr)


if __name__ == "__main__":
    main()
