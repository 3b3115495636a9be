"""The ``digitnet`` command: thin wrappers over the library, one module per command group.

Errors a user can cause end as one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import sys

from digitnet import __version__
from digitnet.cli import data, export, inspect, lab, read, reproduce, serve, train, use
from digitnet.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, Parser
from digitnet.errors import DigitnetError


def build_parser() -> Parser:
    parser = Parser(
        prog="digitnet",
        description="Neural networks that read handwritten digits (Nielsen's book, from scratch).",
    )
    parser.add_argument("--version", action="version", version=f"digitnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    data.add_parser(sub)
    train.add_parser(sub)
    use.add_parsers(sub)
    read.add_parser(sub)
    inspect.add_parsers(sub)
    reproduce.add_parser(sub)
    export.add_parser(sub)
    lab.add_parser(sub)
    serve.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``digitnet`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except DigitnetError as e:
        print(f"digitnet: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("digitnet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR
