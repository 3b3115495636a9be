"""The one exception type for errors a user can cause, and the name look-up that
raises it.

The CLI prints its message as one line and exits non-zero; anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


class DigitnetError(Exception):
    """A problem with the user's input, files or settings, said in one line."""


def lookup(table: Mapping[str, T], name: str, what: str) -> T:
    """``table[name]``, or a DigitnetError naming ``what`` and the known names."""
    try:
        return table[name]
    except KeyError:
        raise DigitnetError(f"unknown {what} {name!r} (known: {', '.join(table)})") from None
