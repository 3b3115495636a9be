"""Fully connected networks against issue 3's accuracy and time targets, via the CLI.

    python bench/bench_fc.py [--seeds 3] [NAME ...]

Each configuration runs as `digitnet train ... --seed S` for each seed; the wall time
is from starting the command to its printed test accuracy (data loading included).
Results are kept in bench/results/fc.json and the table is written into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import machine, write_section

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


def run(args: list[str], seed: int, data_dir: str | None) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "digitnet",
            "train",
            *COMMON,
            *args,
            "--seed",
            str(seed),
            "--out",
            str(Path(tmp) / "m.safetensors"),
        ]
        if data_dir:
            cmd += ["--data-dir", data_dir]
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - start
    match = re.search(r"Test accuracy: (\d+) / (\d+)", out)
    return 100 * int(match[1]) / int(match[2]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in args.names or list(CONFIGS):
        runs = []
        for seed in range(args.seeds):
            accuracy, seconds = run(CONFIGS[name][2], seed, args.data_dir)
            runs.append({"seed": seed, "accuracy": accuracy, "seconds": seconds})
            print(f"{name} seed {seed}: {accuracy:.2f}% in {seconds:.1f} s", flush=True)
        stored[name] = {"runs": runs, "machine": machine()}
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(stored, indent=1))

    lines = [
        "## Fully connected networks: accuracy and time to a result",
        "",
        f"Command: `python bench/bench_fc.py --seeds {args.seeds}`; each run is `digitnet train "
        f"{' '.join(COMMON)} SETTINGS --seed S`; time is the whole command, from start to the "
        f"printed test accuracy. Machine: {machine()}.",
        "",
        "| target | settings | test accuracy per seed | median | wall time per seed | median |",
        "|---|---|---|---:|---|---:|",
    ]
    for name, (target, _, settings) in CONFIGS.items():
        if name not in stored:
            continue
        runs = stored[name]["runs"]
        accs = ", ".join(f"{r['accuracy']:.2f}%" for r in runs)
        secs = ", ".join(f"{r['seconds']:.1f} s" for r in runs)
        lines.append(
            f"| {target} | `{' '.join(settings)}` | {accs} | "
            f"{statistics.median(r['accuracy'] for r in runs):.2f}% | {secs} | "
            f"{statistics.median(r['seconds'] for r in runs):.1f} s |"
        )
    write_section("bench_fc", "\n".join(lines))


if __name__ == "__main__":
    main()
