"""Fully connected networks against issue 3's accuracy and time targets, via the CLI.

    python bench/bench_fc.py [--seeds 3] [NAME ...]

Each configuration runs as `digitnet train ... --seed S` for each seed; the wall time
is from starting the command to its printed test accuracy (data loading included).
Results are kept in bench/results/fc.json and the table is written into BENCHMARKS.md.
"""

from __future__ import annotations

from pathlib import Path

from report import config_args, machine, results_table, run_configs, write_section

RESULTS = Path(__file__).resolve().parent / "results" / "fc.json"
COMMON = [
    "--activation",
    "relu",
    "--cost",
    "log-likelihood",
    "--init",
    "he",
    "--optimizer",
    "adam",
    "--schedule",
    "cosine",
    "--mini-batch-size",
    "128",
    "--quiet",
    "--no-monitor-training",
]
CONFIGS = {
    "fast-98": (
        "MNIST ≥ 98.0% in ≤ 20 s",
        "98.0% in ≤ 20 s",
        ["--sizes", "784,256,10", "--eta", "0.002", "--epochs", "12"],
    ),
    "mnist-best": (
        "MNIST ≥ 98.6%",
        "98.6%",
        [
            "--sizes",
            "784,800,800,10",
            "--dropout",
            "0.3",
            "--eta",
            "0.001",
            "--augment",
            "random",
            "--epochs",
            "30",
        ],
    ),
    "fashion": (
        "Fashion-MNIST ≥ 89.5%",
        "89.5%",
        [
            "--dataset",
            "fashion-mnist",
            "--sizes",
            "784,512,512,10",
            "--dropout",
            "0.2",
            "--eta",
            "0.001",
            "--epochs",
            "40",
        ],
    ),
}


def main() -> None:
    args = config_args(__doc__)
    stored = run_configs(CONFIGS, args.names, args.seeds, args.data_dir, RESULTS, COMMON)

    lines = [
        "## Fully connected networks: accuracy and time to a result",
        "",
        f"Command: `python bench/bench_fc.py --seeds {args.seeds}`; each run is `digitnet train "
        f"{' '.join(COMMON)} SETTINGS --seed S`; time is the whole command, from start to the "
        f"printed test accuracy. Machine: {machine()}.",
        "",
    ]
    lines += results_table(CONFIGS, stored)
    write_section("bench_fc", "\n".join(lines))


if __name__ == "__main__":
    main()
