"""How many threads BLAS uses, chosen by the work rather than left to OpenBLAS's default.

OpenBLAS starts a thread per core and uses them on every matrix product. On small
products (the book's 784-30-10 network, a mini-batch of 10) the threads cost more than
they give, and on a machine with anything else running they wait for each other; on
large ones (the reader's second convolution: 51 crops × 64 positions × 800 by 64, per
network) two cores are nearly twice as fast as one. So digitnet asks for what the work
needs: :func:`blas_threads` around a piece of work, through threadpoolctl.

A user who set a thread count (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``) keeps it: digitnet then changes nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
BIG_WORK = 50_000_000  # multiply-adds from which a product is worth every core

_controller: ThreadpoolController | None = None
_tried = False


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


def controller() -> ThreadpoolController | None:
    """threadpoolctl's controller of the loaded BLAS libraries (made once: finding them
    takes milliseconds), or None without threadpoolctl or where the user chose a count."""
    global _controller, _tried
    if not _tried:
        _tried = True
        if not any(os.environ.get(name) for name in USER_SETTINGS):
            try:
                import threadpoolctl

                _controller = threadpoolctl.ThreadpoolController()
            except Exception:  # (no threadpoolctl, or a library it cannot read)
                _controller = None
    return _controller


@contextlib.contextmanager
def blas_threads(count: int | None = None) -> Iterator[None]:
    """BLAS on ``count`` threads (None: every core) inside the ``with``; as before after."""
    found = controller()
    if found is None:
        yield
        return
    with found.limit(limits=count or cores(), user_api="blas"):
        yield


def threads_for(multiply_adds: float) -> int:
    """The BLAS threads for a piece of work of this many multiply-adds: one for small
    products, every core from BIG_WORK on."""
    return cores() if multiply_adds >= BIG_WORK else 1
