"""``digitnet read IMAGE...``: read handwritten numbers (one or many digits) in images."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from digitnet.cli.common import EXIT_ERROR, number
from digitnet.errors import DigitnetError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("read", help="read handwritten numbers in photos or scans")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument("--model", type=Path, help="a model file (default: the shipped reader)")
    p.add_argument(
        "--threshold",
        type=lambda t: number(t, 0, inclusive=True),
        default=0.5,
        help="below this confidence a digit is printed as ? (default 0.5)",
    )
    p.add_argument("--json", action="store_true", help="print JSON with boxes and confidences")
    p.add_argument("--debug", type=Path, metavar="DIR", help="write boxes and crops into DIR")
    p.set_defaults(func=cmd_read)


def cmd_read(args: argparse.Namespace) -> int:
    from digitnet.vision.preprocess import NoDigitError
    from digitnet.vision.read import load_reader, read_file, write_debug

    if args.threshold > 1:
        raise DigitnetError(f"--threshold must be between 0 and 1, not {args.threshold}")
    ckpt = load_reader(args.model)
    results, status = [], 0
    for path in args.images:
        try:
            reading = read_file(path, ckpt.model, args.threshold)
        except NoDigitError as e:
            results.append({"file": str(path), "text": None, "error": "no digits found"})
            print(e, file=sys.stderr if args.json else sys.stdout)
            status = EXIT_ERROR
            continue
        except DigitnetError as e:
            results.append({"file": str(path), "text": None, "error": str(e)})
            print(f"digitnet: error: {e}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        results.append(
            {
                "file": str(path),
                "text": reading.text,
                "digits": [
                    {
                        "digit": d.label,
                        "confidence": round(d.confidence, 4),
                        "box": list(map(int, d.box)),
                    }
                    for d in reading.digits
                ],
            }
        )
        if args.debug:
            write_debug(path, reading, args.debug)
        if not args.json:
            confidences = " ".join(f"{d.confidence:.0%}" for d in reading.digits)
            print(f"{path}: {reading.text} (confidence per digit: {confidences})")
    if args.json:
        print(json.dumps(results, indent=2))
    return status
