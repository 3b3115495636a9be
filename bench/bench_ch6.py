"""The book's chapter 6 runs with the PyTorch engine, trained together on one GPU.

    python bench/bench_ch6.py run [--device cuda] [--epochs N] [--limit N] [--json FILE]
    python bench/bench_ch6.py report [--json FILE]

``run`` trains seed 0 of book-ch6-conv2, book-ch6-relu and book-ch6-expanded, and the five
networks of book-ch6-ensemble seed 0 (book-ch6-best seeds 0-4; the first is book-ch6-best
seed 0), as one ``experiment.run_together``: at the book's mini-batch of 10 a single run
leaves a GPU almost idle, so the eight take turns step by step, each on its own CUDA stream,
with every step replayed from a CUDA graph. It prints a line per epoch and writes each
run's figures to the JSON file as they finish. ``report`` writes the table from that file
into BENCHMARKS.md (run it where the repository is, after fetching the file).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
RESULTS = ROOT / "bench" / "results" / "ch6.json"
SINGLE = ["book-ch6-conv2", "book-ch6-relu", "book-ch6-expanded"]
ENSEMBLE = "book-ch6-ensemble"


def jobs(epochs: int | None, members: int, names: list[str]):
    """(label, experiment name, spec, config) for each network, seed 0."""
    from digitnet import reproduce

    out = [(name, name, reproduce.get(name), 0) for name in names]
    ensemble = reproduce.get(ENSEMBLE)
    out += [(f"book-ch6-best seed {m}", ENSEMBLE, ensemble, m) for m in range(members)]
    return [
        (label, name, e.spec, reproduce.with_seed(e, seed, epochs)) for label, name, e, seed in out
    ]


def run(args) -> None:
    import numpy as np
    import torch

    from digitnet import experiment, reproduce, torch_backend
    from digitnet.data import load
    from digitnet.train import as_inputs

    planned = jobs(args.epochs, args.members, args.names)
    start = time.perf_counter()

    def on_epoch(k, record):
        label = planned[k][0]
        print(
            f"{time.perf_counter() - start:7.0f} s  {label}: epoch {record.epoch} "
            f"{record.correct}/{record.total} ({record.seconds:.1f} s)",
            flush=True,
        )

    specs = [(spec, config) for _, _, spec, config in planned]
    results = experiment.run_together(specs, args.data_dir, args.limit, args.device, on_epoch)
    seconds = time.perf_counter() - start
    rows = []
    for (label, name, _, config), r in zip(planned, results, strict=True):
        rows.append(
            {
                "label": label,
                "experiment": name,
                "seed": config.seed,
                "test_accuracy": 100 * r.test_accuracy,
                "epochs": len(r.history.epochs),
                "kept_epoch": r.history.kept_epoch,
                "validation": [e.correct for e in r.history.epochs],
            }
        )
    x, y = load("mnist", "test", args.data_dir)
    members = [r.model for (_, name, _, _), r in zip(planned, results, strict=True)]
    members = [m for m, (_, name, _, _) in zip(members, planned, strict=True) if name == ENSEMBLE]
    spec = reproduce.get(ENSEMBLE).spec
    inputs = as_inputs(x, np.float32)
    voted = reproduce.majority_vote(
        [torch_backend.predict_proba(m, spec, inputs, args.device) for m in members]
    )
    report = {
        "device": torch.cuda.get_device_name() if args.device != "cpu" else "cpu",
        "torch": torch.__version__,
        "seconds_together": seconds,
        "command": "python bench/bench_ch6.py run --device " + args.device,
        "runs": rows,
        "ensemble_accuracy": 100 * float(np.mean(voted == y)) if len(members) == 5 else None,
    }
    Path(args.json).write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}))


def write_report(args) -> None:
    from digitnet import reproduce
    from report import write_section

    data = json.loads(Path(args.json).read_text())
    by = {r["label"]: r for r in data["runs"]}
    lines = [
        "## The book's chapter 6 networks, PyTorch engine on a GPU",
        "",
        f"Command: `{data['command']}` (then `python bench/bench_ch6.py report`); device: "
        f"{data['device']}, PyTorch {data['torch']}. The eight networks trained together, "
        f"taking turns step by step on their own CUDA streams, each step replayed from a "
        f"CUDA graph: {data['seconds_together']:.0f} s for all of them. Seed 0 each; the "
        "test accuracy is that of the epoch with the best validation accuracy.",
        "",
        "| experiment | settings | published | ours | difference | kept epoch |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in [*SINGLE, "book-ch6-best"]:
        row = by.get(name if name in SINGLE else "book-ch6-best seed 0")
        if row is None:
            continue
        e = reproduce.get(name)
        ours = row["test_accuracy"]
        lines.append(
            f"| {name} | {e.describe()} | {e.published:.2f}% | {ours:.2f}% | "
            f"{ours - e.published:+.2f} | {row['kept_epoch']} of {row['epochs']} |"
        )
    e = reproduce.get(ENSEMBLE)
    best = [by[f"book-ch6-best seed {m}"]["test_accuracy"] for m in range(e.ensemble)]
    ours = data["ensemble_accuracy"]
    lines += [
        f"| {ENSEMBLE} | {e.describe()} | {e.published:.2f}% | {ours:.2f}% | "
        f"{ours - e.published:+.2f} | |",
        "",
        "The five book-ch6-best networks alone: " + ", ".join(f"{a:.2f}%" for a in best) + ".",
    ]
    write_section("bench_ch6", "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["run", "report"])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--epochs", type=int, help="fewer epochs than the book (a trial)")
    parser.add_argument("--limit", type=int, help="fewer training images (a trial)")
    parser.add_argument("--data-dir")
    parser.add_argument("--names", nargs="*", default=SINGLE, help="experiments besides -best")
    parser.add_argument(
        "--members", type=int, default=5, help="book-ch6-best networks (the vote needs 5)"
    )
    parser.add_argument("--json", default=str(RESULTS))
    args = parser.parse_args()
    run(args) if args.what == "run" else write_report(args)


if __name__ == "__main__":
    main()
