"""Issue 4's speed target: an epoch of the NumPy engine's CNN against PyTorch on the CPU.

    python bench/bench_cnn_speed.py [--batches 40] [--repeats 3]

The network is examples/specs/cnn-speed.json (conv32 3×3, conv64 3×3, max-pool, dropout,
FC 128, FC 10), mini-batch 128, Adam, on MNIST's training images. Both engines train the
same network from the same weights on the same mini-batches in this run (the NumPy engine
through the fused conv-activation-pool view that training uses); each times
``--batches`` mini-batches (forward, backward, update) after two warm-up ones, and the
epoch of 60,000 images (469 mini-batches) is that time scaled. Repeated ``--repeats``
times, alternating engines; the medians and their ratio go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SPEC = ROOT / "examples" / "specs" / "cnn-speed.json"
BATCH, EPOCH_BATCHES = 128, 469


def numpy_seconds(spec, x, y, order, batches: int) -> float:
    from digitnet.nn import build, conv_fused, losses, optim
    from digitnet.nn.losses import loss_and_backward

    model = build(spec, np.random.default_rng(0), np.float32)
    net = conv_fused.fused(model) or model  # what training steps through (train._Batches)
    opt = optim.make("adam", model.param_grad_pairs(), 0.001, n_train=len(x))
    cost = losses.get(spec.cost)
    for k in range(batches + 2):
        if k == 2:
            start = time.perf_counter()
        idx = order[k % 468 * BATCH :][:BATCH]  # 468 full mini-batches in 60,000
        loss_and_backward(net, cost, x[idx], y[idx])
        opt.step()
    return time.perf_counter() - start


def torch_seconds(spec, x, labels, order, batches: int) -> float:
    import torch

    from digitnet import torch_backend
    from digitnet.config import TrainConfig
    from digitnet.torch_train import loss_of, make_optimizer

    module = torch_backend.build(spec).train()
    opt = make_optimizer(module, TrainConfig(optimizer="adam", learning_rate=0.001), len(x))
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))
    n_layers = len(module.net)
    for k in range(batches + 2):
        if k == 2:
            start = time.perf_counter()
        idx = torch.from_numpy(order[k % 468 * BATCH :][:BATCH])
        loss = loss_of(module, spec.cost, xt[idx], yt[idx], n_layers)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir")
    args = parser.parse_args()

    import torch

    from digitnet.config import ModelSpec
    from digitnet.data import load_all
    from digitnet.data.datasets import one_hot

    spec = ModelSpec.from_dict(json.loads(SPEC.read_text()))
    data = load_all("mnist", args.data_dir)  # all 60,000: the book's training and validation
    images = np.concatenate([data["train"][0], data["validation"][0]])
    labels = np.concatenate([data["train"][1], data["validation"][1]])
    x = (images.reshape(len(images), -1) / np.float32(255)).astype(np.float32)
    y = one_hot(labels, 10, np.float32)
    order = np.random.default_rng(0).permutation(len(x))
    per_epoch = EPOCH_BATCHES / args.batches
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(per_epoch * numpy_seconds(spec, x, y, order, args.batches))
        theirs.append(per_epoch * torch_seconds(spec, x, labels, order, args.batches))
        print(f"numpy {ours[-1]:.1f} s/epoch, torch {theirs[-1]:.1f} s/epoch", flush=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    from report import machine, write_section

    write_section(
        "bench_cnn_speed",
        "\n".join(
            [
                "## The NumPy engine's CNN against PyTorch on the CPU",
                "",
                f"Command: `python bench/bench_cnn_speed.py --batches {args.batches} --repeats "
                f"{args.repeats}`; machine: {machine()}, PyTorch {torch.__version__} "
                f"({torch.get_num_threads()} threads). examples/specs/cnn-speed.json, "
                f"mini-batch 128, Adam; {args.batches} timed mini-batches scaled to an epoch "
                "of 469; medians of the repeats.",
                "",
                "| engine | s/epoch per repeat | median | ratio to PyTorch |",
                "|---|---|---:|---:|",
                f"| digitnet NumPy | {', '.join(f'{s:.1f}' for s in ours)} | {a:.1f} | "
                f"{a / b:.2f}x |",
                f"| PyTorch (CPU) | {', '.join(f'{s:.1f}' for s in theirs)} | {b:.1f} | 1.00x |",
                "",
                "Target (issue 4): at most 1.3x.",
            ]
        ),
    )
    print(f"median: numpy {a:.1f} s, torch {b:.1f} s, ratio {a / b:.2f}x")


if __name__ == "__main__":
    main()
