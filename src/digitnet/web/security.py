"""The web server's guards: a cap on request bodies, the per-run token for requests that
change state, allowed Host names, and static files served from a fixed list.
"""

from __future__ import annotations

import hmac
import json
from importlib import resources
from pathlib import Path

MAX_BODY = 8 * 1024 * 1024  # bytes; an upload beyond this gets 413
TOKEN_HEADER = "x-digitnet-token"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


class BodyLimit:
    """ASGI middleware: a request whose body is over ``limit`` bytes gets 413 before the
    app sees it (by Content-Length when sent, else by counting as it arrives)."""

    def __init__(self, app, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await self.reply(send, 400, "bad Content-Length")
                if declared > self.limit:
                    return await self.too_large(send)
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.limit:
                return await self.too_large(send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for a disconnect

        return await self.app(scope, replay, send)

    async def too_large(self, send) -> None:
        await self.reply(send, 413, f"request body over {self.limit // (1024 * 1024)} MiB")

    @staticmethod
    async def reply(send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def token_ok(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the run's token with the one a request sent."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def static_files(folder: Path | None = None) -> dict[str, Path]:
    """The page's files by name: only regular files directly in the package's static
    folder, listed once at start, so no request path can reach anything else."""
    folder = folder or Path(str(resources.files("digitnet") / "web" / "static"))
    return {
        p.name: p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    }


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}

# The page loads only its own scripts and styles; images may be data: or blob: URLs.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
