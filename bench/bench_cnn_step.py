"""A training step of the book's chapter 6 networks at mini-batch 10, three ways.

    python bench/bench_cnn_step.py [--steps 300] [--repeats 5] [--names book-ch6-relu ...]

For each network: digitnet's training path (conv-activation-pool runs fused,
:mod:`digitnet.nn.conv_fused`), the engine's layers one by one (what training did
before), and PyTorch on the CPU (eager, its default threads), all from the same weights
on the same MNIST mini-batches, with the experiment's SGD settings (η, L2). Each repeat
times ``--steps`` steps (forward, backward, update) of each in turn, after ten warm-up
steps; the medians of the repeats and their ratios go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BATCH = 10


def engine_stepper(exp, fuse: bool, n_train: int):
    """One SGD step of the NumPy engine on (x, y one-hot), through the fused view or not."""
    from digitnet.nn import build, losses, optim
    from digitnet.nn.conv_fused import fused
    from digitnet.nn.losses import loss_and_backward

    model = build(exp.spec, np.random.default_rng(0), np.float32)
    net = fused(model) if fuse else model
    c = exp.config
    opt = optim.make("sgd", model.param_grad_pairs(), c.learning_rate, l2=c.l2, n_train=n_train)
    cost = losses.get(exp.spec.cost)

    def step(x, y, labels) -> None:
        loss_and_backward(net, cost, x, y)
        opt.step()

    return step


def torch_stepper(exp, n_train: int):
    import torch

    from digitnet import torch_backend
    from digitnet.nn import build
    from digitnet.torch_train import loss_of, make_optimizer

    module = torch_backend.to_torch(build(exp.spec, np.random.default_rng(0)), exp.spec).train()
    opt = make_optimizer(module, exp.config, n_train)
    n_layers = len(module.net)

    def step(x, y, labels) -> None:
        loss = loss_of(
            module, exp.spec.cost, torch.from_numpy(x), torch.from_numpy(labels), n_layers
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def seconds(step, batches, steps: int) -> float:
    for k in range(10):
        step(*batches[k])
    start = time.perf_counter()
    for k in range(steps):
        step(*batches[(10 + k) % len(batches)])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--names", nargs="+", default=["book-ch6-conv2", "book-ch6-relu", "book-ch6-best"]
    )
    parser.add_argument("--data-dir")
    args = parser.parse_args()

    import torch

    from digitnet import reproduce
    from digitnet.data import load
    from digitnet.data.datasets import one_hot

    images, labels = load("mnist", "train", args.data_dir)
    order = np.random.default_rng(0).permutation(len(images))[: BATCH * 500]
    x = (images[order] / np.float32(255)).astype(np.float32).reshape(-1, BATCH, 1, 28, 28)
    labels = labels[order].astype(np.int64).reshape(-1, BATCH)
    batches = [(xb, one_hot(lb, 10, np.float32), lb) for xb, lb in zip(x, labels, strict=True)]
    rows = []
    for name in args.names:
        exp = reproduce.get(name)
        n_train = 250_000 if exp.config.expand else 50_000
        ways = {
            "fused": engine_stepper(exp, True, n_train),
            "layers": engine_stepper(exp, False, n_train),
            "torch": torch_stepper(exp, n_train),
        }
        times: dict[str, list[float]] = {way: [] for way in ways}
        for _ in range(args.repeats):
            for way, step in ways.items():
                times[way].append(1e3 * seconds(step, batches, args.steps) / args.steps)
                time.sleep(0.2)  # let the other library's threads go idle
            print(name, {w: round(t[-1], 2) for w, t in times.items()}, flush=True)
        rows.append((name, {w: statistics.median(t) for w, t in times.items()}, times))

    from report import machine, write_section

    lines = [
        "## A training step of the book's chapter 6 networks (mini-batch 10, CPU)",
        "",
        f"Command: `python bench/bench_cnn_step.py --steps {args.steps} --repeats "
        f"{args.repeats}`; machine: {machine()}, PyTorch {torch.__version__} "
        f"({torch.get_num_threads()} threads). Milliseconds a step (forward, backward, SGD "
        "update) on MNIST mini-batches of 10, medians of the repeats, the three taking turns "
        "in one process. *fused*: digitnet's training path (conv-activation-pool runs as one "
        "layer); *layers*: the engine's layers one by one, as before; PyTorch: eager, on the "
        "CPU.",
        "",
        "| network | digitnet fused (ms) | engine layers (ms) | PyTorch CPU (ms) "
        "| layers / fused | PyTorch / fused |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m, _ in rows:
        lines.append(
            f"| {name} | {m['fused']:.2f} | {m['layers']:.2f} | {m['torch']:.2f} "
            f"| {m['layers'] / m['fused']:.2f}x | {m['torch'] / m['fused']:.2f}x |"
        )
    write_section("bench_cnn_step", "\n".join(lines))


if __name__ == "__main__":
    main()
