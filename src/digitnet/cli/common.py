"""What every command shares: the one-line-error parser, argument types, exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from digitnet.config import ModelSpec

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def number(text: str, minimum: float, inclusive: bool) -> float:
    """A finite float ≥ minimum (or > minimum), for argparse."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    low_ok = value >= minimum if inclusive else value > minimum
    if not (low_ok and value < float("inf")):
        bound = "≥" if inclusive else ">"
        raise argparse.ArgumentTypeError(f"must be a number {bound} {minimum:g}: {text!r}")
    return value


def positive_float(text: str) -> float:
    return number(text, 0, inclusive=False)


def share(text: str) -> float:
    """A number in (0, 1], for argparse."""
    value = number(text, 0, inclusive=False)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1: {text!r}")
    return value


def non_negative_float(text: str) -> float:
    return number(text, 0, inclusive=True)


def sizes_list(text: str) -> list[int]:
    parts = text.replace(",", " ").replace("-", " ").split()
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be numbers like 784,30,10: {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"need two or more positive sizes: {text!r}")
    return sizes


def data_dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder with the IDX files (default: $DIGITNET_DATA, cache, system)",
    )


def dataset_names() -> list[str]:
    from digitnet.data.sources import DATASETS

    return list(DATASETS)


def engine_options(p: argparse.ArgumentParser) -> None:
    """--engine numpy|torch and --device, shared by train, evaluate, predict, reproduce."""
    p.add_argument(
        "--engine",
        choices=["numpy", "torch"],
        default="numpy",
        help="digitnet's NumPy engine (default) or PyTorch (pip install 'digitnet[torch]')",
    )
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda", "mps"],
        default="auto",
        help="with --engine torch: auto picks a GPU when there is one",
    )


def stall_note(
    recall: np.ndarray | Sequence[float], names: Sequence[str], spec: ModelSpec, split: str = "test"
) -> str | None:
    """A note for a run that never names some classes (``metrics.silent_classes`` of recall
    (classes,)), naming them by ``names``; None when every class is named. ``spec``: the
    network's ModelSpec, for the likely cause; ``split``: the data recall was measured on."""
    from digitnet.metrics import silent_classes

    silent = silent_classes(recall)
    if not silent:
        return None
    listed = ", ".join(f"{names[k]} ({recall[k]:.0%})" for k in silent)
    note = f"Note: this network has stalled: it almost never answers {listed} on the {split} data."
    return " ".join(filter(None, [note, stall_cause(spec)]))


def stall_cause(spec: ModelSpec) -> str | None:
    """Why a network of ``spec`` (a ModelSpec) may stall, where known."""
    if spec.cost == "quadratic" and spec.layers[-1].get("activation") == "sigmoid":
        return (
            "Their output neurons have most likely saturated, and with the quadratic cost a"
            " saturated neuron barely learns (chapter 3). The book's chapter 1 warns that some"
            " runs end like this; another seed, or the cross-entropy cost (--cost cross-entropy),"
            " usually avoids it."
        )
    return None


def for_each_image(paths, handle, as_json: bool, key: str) -> int:
    """Run ``handle(path) -> (record, line)`` on each image; print each line (or, with
    ``as_json``, all records as JSON at the end). A file that fails is reported in one
    line, recorded with ``key: None`` and its error, and the others still run.
    Returns the exit status: EXIT_ERROR if any file failed."""
    from digitnet.errors import DigitnetError
    from digitnet.vision.preprocess import NoDigitError  # lazily: PIL is slow to import

    results, status = [], 0
    for path in paths:
        try:
            record, line = handle(path)
        except NoDigitError as e:
            what = str(e).rsplit(": ", 1)[-1]  # "no digit found" / "no digits found"
            results.append({"file": str(path), key: None, "error": what})
            print(e, file=sys.stderr if as_json else sys.stdout)
            status = EXIT_ERROR
            continue
        except DigitnetError as e:
            results.append({"file": str(path), key: None, "error": str(e)})
            print(f"digitnet: error: {e}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        results.append({"file": str(path), **record})
        if not as_json:
            print(line)
    if as_json:
        print(json.dumps(results, indent=2))
    return status
