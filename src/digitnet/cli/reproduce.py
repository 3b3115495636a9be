"""``digitnet reproduce NAME``: run a published experiment and set ours beside theirs."""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from digitnet.cli.common import data_dir_option, engine_options, positive_int
from digitnet.errors import DigitnetError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="run a published experiment; ours beside theirs")
    p.add_argument("name", nargs="?", help="the experiment (see --list)")
    p.add_argument("--list", action="store_true", help="list the experiments")
    p.add_argument(
        "--seeds",
        type=positive_int,
        default=1,
        metavar="N",
        help="run seeds 0..N-1 and report the median (default: 1)",
    )
    p.add_argument("--epochs", type=positive_int, help="fewer epochs (a quick check)")
    p.add_argument(
        "--limit",
        type=positive_int,
        metavar="N",
        help="train on the first N training images only (a quick check)",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    engine_options(p)
    data_dir_option(p)
    p.set_defaults(func=cmd_reproduce)


def cmd_reproduce(args: argparse.Namespace) -> int:
    from digitnet import experiment as runs
    from digitnet import reproduce

    if args.list or not args.name:
        for e in reproduce.EXPERIMENTS.values():
            print(f"{e.name:20s} {e.published:6.2f}% ({e.split})  {e.describe()}")
        return 0
    exp = reproduce.get(args.name)
    print(f"{exp.name}: {exp.describe()}")
    print(f"  source: {exp.source}; published {exp.published:.2f}% on {exp.split} data")
    results = []
    for seed in range(args.seeds):
        config = reproduce.with_seed(exp, seed, args.epochs)
        result = runs.run(
            exp.spec,
            config,
            args.data_dir,
            args.limit,
            progress=False if args.quiet else None,
            engine=args.engine,
            device=args.device,
        )
        if exp.split == "validation":
            if result.validation_correct is None:
                raise DigitnetError(f"{exp.name} reports validation accuracy but has none")
            accuracy = 100 * result.validation_correct / 10_000
        else:
            accuracy = 100 * result.test_accuracy
        epochs = len(result.history.epochs)
        results.append(
            {
                "seed": seed,
                "accuracy": accuracy,
                "seconds": result.seconds,
                "epochs": epochs,
                "kept_epoch": result.history.kept_epoch,
            }
        )
        print(
            f"  seed {seed}: {accuracy:.2f}% on {exp.split} data "
            f"(epoch {result.history.kept_epoch} of {epochs} kept; {result.seconds:.1f} s, "
            f"{result.history.engine})",
            flush=True,
        )
    median = statistics.median(r["accuracy"] for r in results)
    diff = median - exp.published
    print(
        f"  ours: {median:.2f}% (median of {len(results)} seed{'s' * (len(results) > 1)}); "
        f"published: {exp.published:.2f}%; difference {diff:+.2f} points"
    )
    if exp.note:
        print(f"  note: {exp.note}")
    if args.json:
        summary = {
            "name": exp.name,
            "published": exp.published,
            "split": exp.split,
            "median": median,
            "runs": results,
            "epochs": args.epochs,
            "limit": args.limit,
        }
        args.json.write_text(json.dumps(summary, indent=1))
    return 0
