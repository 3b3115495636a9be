"""Speed of the book's network: digitnet against plain NumPy and PyTorch, in the same run.

    python bench/bench_train.py [--repeats 5]

Measures, each as the median of several runs:
- seconds per training epoch of 784-30-10, sigmoid, quadratic cost, SGD, float32, on
  the 50,000 MNIST training images, mini-batch 10 and 100: digitnet (its default
  path), the engine's plain vectorised NumPy loop, and PyTorch on the CPU doing the
  same update (autograd, one optimiser step per mini-batch);
- inference on the 10,000 test images (images per second), digitnet and PyTorch;
- peak memory (max RSS) and wall time of a whole ``digitnet train`` command.
Writes the table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from digitnet.config import ModelSpec, TrainConfig
from digitnet.data import load_all, to_inputs
from digitnet.nn import build, losses
from digitnet.train import fit
from report import machine, median, write_section

SIZES = [784, 30, 10]


def digitnet_epochs(x, labels, mini_batch_size: int, epochs: int, use_fast: bool) -> list[float]:
    rng = np.random.default_rng(0)
    model = build(ModelSpec.from_sizes(SIZES), rng, np.float32)
    history = fit(
        model,
        losses.get("quadratic"),
        x,
        labels,
        TrainConfig(epochs=epochs, mini_batch_size=mini_batch_size, monitor_training=False),
        rng,
        progress=False,
        use_fast=use_fast,
    )
    return [e.seconds for e in history.epochs]


def torch_epochs(x, labels, mini_batch_size: int, epochs: int) -> list[float]:
    import torch

    torch.manual_seed(0)
    xt = torch.from_numpy(x)
    yt = torch.nn.functional.one_hot(torch.from_numpy(labels.astype(np.int64)), 10).float()
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 30), torch.nn.Sigmoid(), torch.nn.Linear(30, 10), torch.nn.Sigmoid()
    )
    for p in net.parameters():
        torch.nn.init.normal_(p)
    opt = torch.optim.SGD(net.parameters(), lr=3.0)
    g = torch.Generator().manual_seed(0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(xt), generator=g)
        for k in range(0, len(xt), mini_batch_size):
            idx = order[k : k + mini_batch_size]
            a = net(xt[idx])
            loss = 0.5 * ((a - yt[idx]) ** 2).sum() / len(idx)  # the book's quadratic cost
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times


def inference(x, repeats: int) -> dict[str, float]:
    model = build(ModelSpec.from_sizes(SIZES), np.random.default_rng(0), np.float32)
    out = {}
    times = []
    for _ in range(repeats * 10):
        start = time.perf_counter()
        model.predict(x)
        times.append(time.perf_counter() - start)
    out["digitnet"] = len(x) / median(times)
    try:
        import torch
    except ImportError:
        return out
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 30), torch.nn.Sigmoid(), torch.nn.Linear(30, 10), torch.nn.Sigmoid()
    )
    xt = torch.from_numpy(x)
    times = []
    with torch.inference_mode():
        for _ in range(repeats * 10):
            start = time.perf_counter()
            net(xt).argmax(dim=1)
            times.append(time.perf_counter() - start)
    out["pytorch"] = len(x) / median(times)
    return out


MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
seconds = time.perf_counter() - start
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, seconds)
"""


def whole_run(data_dir: str | None) -> tuple[float, float]:
    """Peak RSS (MB) and wall seconds of `digitnet train` (30 epochs).

    A small intermediate Python starts the command and reads its max RSS: measured
    from this (large) process, a forked child would count our pages too.
    """
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "digitnet", "train", "--quiet"]
        cmd += ["--out", str(Path(tmp) / "m.safetensors")]
        if data_dir:
            cmd += ["--data-dir", data_dir]
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True
        ).stdout.split()
    return int(out[0]) / 1024, float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="epochs timed per engine")
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()

    data = load_all("mnist", args.data_dir)
    x, labels = to_inputs(data["train"][0]), data["train"][1].astype(np.int64)
    x_test = to_inputs(data["test"][0])
    digitnet_epochs(x[:1000], labels[:1000], 10, 1, True)  # compile the kernel first

    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None

    rows = []
    for m in (10, 100):
        fast = median(digitnet_epochs(x, labels, m, args.repeats, True))
        plain = median(digitnet_epochs(x, labels, m, max(2, args.repeats // 2), False))
        row = {"m": m, "digitnet": fast, "numpy": plain}
        if torch_version:
            row["torch"] = median(torch_epochs(x, labels, m, max(2, args.repeats // 2)))
        rows.append(row)
        print(row, file=sys.stderr)
    rates = inference(x_test, args.repeats)
    peak_mb, run_seconds = whole_run(args.data_dir)

    lines = [
        "## Training speed of the book's network (784-30-10, float32, SGD, 50,000 images)",
        "",
        f"Command: `python bench/bench_train.py --repeats {args.repeats}`; machine: {machine()}; "
        f"PyTorch {torch_version or 'not installed'} (CPU). Medians of the epochs timed.",
        "",
        "| mini-batch | digitnet (s/epoch) | plain NumPy loop (s/epoch) | PyTorch CPU (s/epoch) "
        "| NumPy / digitnet | PyTorch / digitnet |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        t, d = r.get("torch"), r["digitnet"]
        torch_s = f"{t:.3f}" if t else "n/a"
        torch_ratio = f"{t / d:.1f}x" if t else "n/a"
        lines.append(
            f"| {r['m']} | {d:.3f} | {r['numpy']:.3f} | {torch_s} | "
            f"{r['numpy'] / d:.1f}x | {torch_ratio} |"
        )
    lines += [
        "",
        "Inference, 784-30-10 on the 10,000 test images (float32 input, median of "
        f"{args.repeats * 10} runs): digitnet {rates['digitnet'] / 1e6:.2f} M images/s"
        + (f", PyTorch {rates['pytorch'] / 1e6:.2f} M images/s." if "pytorch" in rates else "."),
        "",
        f"A whole `digitnet train` (30 epochs, load and verify data, evaluate, save): "
        f"{run_seconds:.1f} s wall, peak memory {peak_mb:.0f} MB (max RSS).",
    ]
    write_section("bench_train", "\n".join(lines))


if __name__ == "__main__":
    main()
