"""``digitnet serve``: the local web page (draw, read, look inside, train)."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from pathlib import Path

from digitnet.cli.common import data_dir_option
from digitnet.errors import DigitnetError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="a local web page: draw a digit, read a photo, look inside, train"
    )
    p.add_argument("--model", type=Path, help="model file (default: the shipped reader)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only)",
    )
    p.add_argument(
        "--models-dir",
        type=Path,
        default=Path("models"),
        help="where models trained on the page are saved (default ./models)",
    )
    data_dir_option(p)
    p.set_defaults(func=cmd_serve)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening socket, or one clear error (port taken, bad address)."""
    if not 0 <= port <= 65535:
        raise DigitnetError(f"port must be 0-65535, got {port}")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # inherited by each connection: without it a keep-alive answer sent in two
        # writes waits ~40 ms for the client's delayed ACK (Nagle's algorithm)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        raise DigitnetError(f"cannot listen on {host}:{port} ({e.strerror or e})") from None
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from digitnet.web.app import create_app
    except ImportError:
        raise DigitnetError("the web page needs FastAPI: pip install 'digitnet[web]'") from None
    loopback = is_loopback(args.host)
    if not loopback:
        print(
            f"digitnet: warning: listening on {args.host}: other computers can reach this "
            "page and use its model and training",
            file=sys.stderr,
        )
    sock = listen(args.host, args.port)
    hosts = ["127.0.0.1", "localhost", "[::1]", "::1"] if loopback else None
    app = create_app(args.model, args.models_dir, args.data_dir, allowed_hosts=hosts)
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    shown = f"[{shown}]" if ":" in shown else shown
    print(f"digitnet is serving on http://{shown}:{port}/  (Ctrl-C stops it)", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
