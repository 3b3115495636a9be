"""Convolutional networks against issue 4's accuracy and time targets, via the CLI.

    python bench/bench_cnn.py [--seeds 3] [NAME ...]

Each configuration runs as `digitnet train --spec SPEC ... --seed S`; the wall time is
from starting the command to its printed test accuracy (data loading included). The
specs are in examples/specs/. Results are kept in bench/results/cnn.json and the table
is written into BENCHMARKS.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from report import config_args, machine, results_table, run_configs, write_section

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "cnn.json"
COMMON = ["--quiet", "--no-monitor-training"]
SMALL = "--spec examples/specs/cnn-small.json --optimizer adam --schedule cosine --eta 0.002"
CONFIGS = {
    "fast-99": (
        "MNIST ≥ 99.0% in ≤ 90 s (any engine)",
        "99.0% in ≤ 90 s",
        f"--engine torch {SMALL} --mini-batch-size 64 --epochs 6 --train-split train-full".split(),
    ),
    "numpy-cnn": (
        "MNIST ≥ 99.2%, NumPy engine",
        "99.2%",
        f"{SMALL} --mini-batch-size 64 --epochs 6 --augment shift --train-split train-full".split(),
    ),
}


def main() -> None:
    args = config_args(__doc__)
    os.chdir(ROOT)  # the specs' paths are relative to the repository
    stored = run_configs(CONFIGS, args.names, args.seeds, args.data_dir, RESULTS, COMMON)
    write_section("bench_cnn", section(stored))


def section(stored: dict) -> str:
    """The BENCHMARKS.md section of every stored run."""
    lines = [
        "## Convolutional networks: accuracy and time to a result",
        "",
        "Command: `python bench/bench_cnn.py --seeds N NAME` (a row per NAME, a seed per "
        f"column entry); each run is `digitnet train {' '.join(COMMON)} SETTINGS --seed S` "
        "(specs in `examples/specs/`); time is the whole command, from start to the printed "
        "test accuracy. Machines (this shared machine's hardware changes between sessions): "
        + "; ".join(f"{k}: {v.get('machine', machine())}" for k, v in stored.items())
        + ".",
        "",
    ]
    return "\n".join(lines + results_table(CONFIGS, stored))


if __name__ == "__main__":
    main()
