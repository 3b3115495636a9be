"""Every `digitnet reproduce` experiment, median of several seeds, ours beside theirs.

    python bench/bench_reproduce.py [--seeds 3] [NAME ...]

Runs `digitnet reproduce NAME --seeds N --json FILE` for each experiment (all by
default) and writes the table into BENCHMARKS.md (results of names not run this time
are kept from the last run, in bench/results/reproduce.json).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import machine, write_section

RESULTS = Path(__file__).resolve().parent / "results" / "reproduce.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data-dir", default=os.environ.get("DIGITNET_DATA"))
    args = parser.parse_args()
    from digitnet.reproduce import EXPERIMENTS

    names = args.names or list(EXPERIMENTS)
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "r.json"
            cmd = [
                sys.executable,
                "-m",
                "digitnet",
                "reproduce",
                name,
                "--quiet",
                "--seeds",
                str(args.seeds),
                "--json",
                str(out),
            ]
            if args.data_dir:
                cmd += ["--data-dir", args.data_dir]
            start = time.perf_counter()
            subprocess.run(cmd, check=True)
            result = json.loads(out.read_text())
        result["wall_seconds"] = time.perf_counter() - start
        result["machine"] = machine()
        stored[name] = result
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(stored, indent=1))

    lines = [
        "## `digitnet reproduce`: published figures beside ours",
        "",
        "Command: `python bench/bench_reproduce.py --seeds 3` (each row is "
        "`digitnet reproduce NAME --seeds 3`). Ours is the median over seeds 0-2, measured on "
        "the split the source reports; per-seed figures and times are in "
        "`bench/results/reproduce.json`.",
        "",
        "| experiment | settings | published | ours (median) | per seed | difference "
        "| train time per seed | wall time, all seeds |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for name, exp in EXPERIMENTS.items():
        r = stored.get(name)
        if not r:
            lines.append(f"| {name} | {exp.describe()} | {exp.published:.2f}% | not run | | | | |")
            continue
        seeds = ", ".join(f"{x['accuracy']:.2f}" for x in r["runs"])
        train = sorted(x["seconds"] for x in r["runs"])[len(r["runs"]) // 2]
        lines.append(
            f"| {name} | {exp.describe()} ({r['split']}) | {r['published']:.2f}% | "
            f"{r['median']:.2f}% | {seeds} | {r['median'] - r['published']:+.2f} | "
            f"{train:.0f} s | {r['wall_seconds']:.0f} s |"
        )
    lines += ["", f"Machine: {machine()}."]
    write_section("bench_reproduce", "\n".join(lines))


if __name__ == "__main__":
    main()
