"""``digitnet reproduce NAME``: run a published experiment and set ours beside theirs."""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
from pathlib import Path

from digitnet.cli.common import (
    EXIT_INTERRUPTED,
    data_dir_option,
    engine_options,
    positive_int,
    stall_cause,
)


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
    p.add_argument(
        "--verbose", action="store_true", help="a line for each epoch (validation accuracy, time)"
    )
    p.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="save each trained network in DIR, and load the ones already there instead of "
        "training them again; the NumPy engine also saves a network after each epoch, and "
        "goes on from there (a long run, such as a vote of five, goes on where it stopped); "
        "the same command started twice with one DIR shares the networks out (one core each)",
    )
    engine_options(p)
    data_dir_option(p)
    p.set_defaults(func=cmd_reproduce)


def epoch_line(network: int, record, ensemble: bool = False) -> None:
    """Print ``seed S, epoch K: validation 99.12% (41.3 s)`` (``network N, ...`` for one
    network of a vote)."""
    measured = f"validation {100 * record.accuracy:.2f}%" if record.total else "trained"
    who = f"network {network}" if ensemble else f"seed {network}"
    print(f"    {who}, epoch {record.epoch}: {measured} ({record.seconds:.1f} s)", flush=True)


def _run_seed(args: argparse.Namespace, exp, seed: int) -> dict:
    from digitnet import reproduce

    return reproduce.run_seed(
        exp,
        seed,
        args.epochs,
        args.data_dir,
        args.limit,
        progress=False if args.quiet else None,
        engine=args.engine,
        device=args.device,
        on_epoch=functools.partial(epoch_line, ensemble=exp.ensemble > 1) if args.verbose else None,
        keep=args.keep,
        on_wait=lambda network: print(
            f"    network {network} is being trained by another run in {args.keep}; waiting for it",
            flush=True,
        ),
    )


def cmd_reproduce(args: argparse.Namespace) -> int:
    from digitnet import reproduce
    from digitnet.data.sources import dataset_info

    if args.list or not args.name:
        for e in reproduce.EXPERIMENTS.values():
            print(f"{e.name:18s} {e.published:6.2f}% ({e.split})  {e.describe()}")
        return 0
    exp = reproduce.get(args.name)
    print(f"{exp.name}: {exp.describe()}")
    print(f"  source: {exp.source}; published {exp.published:.2f}% on {exp.split} data")
    if args.epochs or args.limit:
        shorter = [f"{args.epochs} epoch{'s' * (args.epochs > 1)}" if args.epochs else ""]
        shorter += [f"the first {args.limit} training images" if args.limit else ""]
        print(f"  a quick check ({', '.join(filter(None, shorter))}), not the published run")
    names = dataset_info(exp.config.dataset).classes
    results = []
    for seed in range(args.seeds):
        try:
            r = _run_seed(args, exp, seed)
        except KeyboardInterrupt:
            if not args.keep:
                raise
            print(
                f"digitnet: interrupted; what was trained is kept in {args.keep}: "
                "the same command goes on from there",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        results.append(r)
        if r["members"]:  # a vote: each network's accuracy and the epoch it ended with
            each = ", ".join(f"{a:.2f}%" for a in r["members"])
            epochs = ", ".join(str(e) for e in r["member_epochs"])
            kept = f"networks {each}; epochs {epochs} of {r['epochs']} kept"
        else:
            kept = f"epoch {r['kept_epoch']} of {r['epochs']} kept"
        if r["kept"]:
            loaded = ", ".join(str(k) for k in r["kept"])
            plural = "s" * (len(r["kept"]) > 1)
            again = f"from {args.keep}, not trained again"
            print(f"  seed {seed}: loaded network{plural} {loaded} {again}")
        resumed = f"; went on from epoch {r['resumed_at']}" if r["resumed_at"] else ""
        silent = ", ".join(names[k] for k in r["silent"])
        stalled = f"; stalled: almost never answers {silent}"
        print(
            f"  seed {seed}: {r['accuracy']:.2f}% on {exp.split} data "
            f"({kept}{resumed}; "
            f"{r['seconds']:.1f} s, "
            f"{r['engine']}{stalled if r['silent'] else ''})",
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
    stalls = [r for r in results if r["silent"]]
    healthy = [r["accuracy"] for r in results if not r["silent"]]
    fine = statistics.median(healthy) if healthy else None  # the runs that did not stall
    if stalls:
        cause = stall_cause(exp.spec)
        print(
            f"  {len(stalls)} of {len(results)} runs stalled: each almost never answers the"
            f" classes named on its line.{' ' + cause if cause else ''}"
        )
        if fine is not None:  # told beside the median above, never in its place
            print(
                f"  the {len(healthy)} that did not stall: {'median ' * (len(healthy) > 1)}"
                f"{fine:.2f}% (difference {fine - exp.published:+.2f} points)"
            )
    if args.json:
        summary = {
            "name": exp.name,
            "published": exp.published,
            "split": exp.split,
            "median": median,
            "median_not_stalled": fine,
            "runs": results,
            "epochs": args.epochs,
            "limit": args.limit,
        }
        args.json.write_text(json.dumps(summary, indent=1))
    return 0
