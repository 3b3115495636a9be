"""Write a benchmark's section into BENCHMARKS.md, between markers named after it."""

from __future__ import annotations

import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    import os

    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"
    )


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section between <!-- name --> and <!-- /name -->."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.write_text(text)
    print(body)
    print(f"(written to {BENCHMARKS})", file=sys.stderr)


def train_cli(args: list[str], seed: int, data_dir: str | None) -> tuple[float, float]:
    """Run ``digitnet train ARGS --seed S``; returns (test accuracy %, wall seconds).

    The time is the whole command, from start to its printed test accuracy.
    """
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "digitnet", "train", *args, "--seed", str(seed)]
        cmd += ["--out", str(Path(tmp) / "m.safetensors")]
        if data_dir:
            cmd += ["--data-dir", data_dir]
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - start
    match = re.search(r"Test accuracy: (\d+) / (\d+)", out)
    return 100 * int(match[1]) / int(match[2]), seconds


def results_table(configs: dict[str, tuple[str, str, list[str]]], stored: dict) -> list[str]:
    """Markdown rows: target, settings, accuracy and wall time per seed, and their medians."""
    lines = [
        "| target | settings | test accuracy per seed | median | wall time per seed | median |",
        "|---|---|---|---:|---|---:|",
    ]
    for name, (target, _, settings) in configs.items():
        if name not in stored:
            continue
        runs = stored[name]["runs"]
        accs = ", ".join(f"{r['accuracy']:.2f}%" for r in runs)
        secs = ", ".join(f"{r['seconds']:.1f} s" for r in runs)
        lines.append(
            f"| {target} | `{' '.join(settings)}` | {accs} | "
            f"{median([r['accuracy'] for r in runs]):.2f}% | {secs} | "
            f"{median([r['seconds'] for r in runs]):.1f} s |"
        )
    return lines


def run_configs(
    configs: dict[str, tuple[str, str, list[str]]],
    names: list[str],
    seeds: int,
    data_dir: str | None,
    results: Path,
    common: list[str] = (),
) -> dict:
    """Train each named config once per seed through the CLI; keep every run in ``results``
    (JSON, updated after each config) and return all stored runs."""
    import json

    stored = json.loads(results.read_text()) if results.exists() else {}
    for name in names or list(configs):
        runs = []
        for seed in range(seeds):
            accuracy, seconds = train_cli([*common, *configs[name][2]], seed, data_dir)
            runs.append({"seed": seed, "accuracy": accuracy, "seconds": seconds})
            print(f"{name} seed {seed}: {accuracy:.2f}% in {seconds:.1f} s", flush=True)
        stored[name] = {"runs": runs, "machine": machine()}
        results.parent.mkdir(exist_ok=True)
        results.write_text(json.dumps(stored, indent=1))
    return stored


def config_args(doc: str):
    """The options of a config benchmark: NAME..., --seeds, --data-dir (made absolute)."""
    import argparse
    import os

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    args.data_dir = os.path.abspath(args.data_dir) if args.data_dir else None
    return args
