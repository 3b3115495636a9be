"""``digitnet read IMAGE...``: read handwritten numbers (one or many digits) in images."""

from __future__ import annotations

import argparse
from pathlib import Path

from digitnet.cli.common import (
    data_dir_option,
    engine_options,
    for_each_image,
    number,
    positive_int,
    share,
)
from digitnet.errors import DigitnetError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("read", help="read handwritten numbers in photos or scans")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument(
        "--model",
        type=Path,
        action="append",
        help="a model file (default: the readers shipped in the package); "
        "give it more than once to read with the mean of several",
    )
    p.add_argument(
        "--threshold",
        type=lambda t: number(t, 0, inclusive=True),
        default=0.5,
        help="below this confidence a digit is printed as ? (default 0.5)",
    )
    p.add_argument("--json", action="store_true", help="print JSON with boxes and confidences")
    p.add_argument("--debug", type=Path, metavar="DIR", help="write boxes and crops into DIR")
    p.set_defaults(func=cmd_read)

    p = sub.add_parser(
        "train-reader", help="train a model for `read` (the shipped ones were made so)"
    )
    p.add_argument("--out", type=Path, required=True, help="where to save the model")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--epochs", type=positive_int, default=15)
    p.add_argument(
        "--lines",
        type=positive_int,
        default=5000,
        help="synthetic lines whose cut candidates join the training data (default 5000)",
    )
    p.add_argument(
        "--negatives",
        type=share,
        default=0.6,
        help="share of the cut pieces that are not digits kept as examples (default 0.6)",
    )
    p.add_argument(
        "--report-lines",
        type=positive_int,
        default=200,
        help="synthetic test lines read to report the result (default 200)",
    )
    p.add_argument(
        "--closer-look",
        action="store_true",
        help="also learn from the pieces of read's closer look (lines cut on a fine grid)",
    )
    p.add_argument(
        "--world",
        type=share,
        default=0.7,
        help="share of the lines that are real-world lines: paper, pens, marks, camera "
        "(default 0.7)",
    )
    p.add_argument(
        "--no-usps",
        dest="usps",
        action="store_false",
        help="learn from MNIST alone (default: MNIST and USPS's training split)",
    )
    p.add_argument(
        "--jobs", type=positive_int, default=1, help="processes cutting lines (default 1)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=positive_int, help="train on the first N images (a quick check)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    engine_options(p)
    data_dir_option(p)
    p.set_defaults(func=cmd_train_reader)


def cmd_read(args: argparse.Namespace) -> int:
    from digitnet.vision.read import load_readers, read_file, write_debug

    if args.threshold > 1:
        raise DigitnetError(f"--threshold must be between 0 and 1, not {args.threshold}")
    readers = load_readers(args.model)

    def handle(path: Path) -> tuple[dict, str]:
        reading = read_file(path, readers, args.threshold)
        if args.debug:
            write_debug(path, reading, args.debug)
        digits = [
            {"digit": d.label, "confidence": round(d.confidence, 4), "box": list(map(int, d.box))}
            for d in reading.digits
        ]
        confidences = " ".join(f"{d.confidence:.0%}" for d in reading.digits)
        line = f"{path}: {reading.text} (confidence per digit: {confidences})"
        return {"text": reading.text, "digits": digits}, line

    return for_each_image(args.images, handle, args.json, "text")


def cmd_train_reader(args: argparse.Namespace) -> int:
    from digitnet.vision.reader_train import train_reader

    if args.out.exists() and not args.force:
        raise DigitnetError(f"{args.out} exists; add --force to overwrite it")
    report = train_reader(
        args.out,
        args.data_dir,
        lines=args.lines,
        epochs=args.epochs,
        seed=args.seed,
        engine=args.engine,
        device=args.device,
        progress=False if args.quiet else None,
        limit=args.limit,
        report_lines=args.report_lines,
        closer=args.closer_look,
        negatives=args.negatives,
        usps=args.usps,
        world=args.world,
        jobs=args.jobs,
    )
    print(
        f"MNIST test accuracy: {report.test_accuracy:.2%}; synthetic test lines read exactly: "
        f"{report.lines_right:.1%} of {report.lines}; {report.examples} segmentation examples; "
        f"trained in {report.seconds:.1f} s"
    )
    print(f"Saved {args.out}")
    return 0
