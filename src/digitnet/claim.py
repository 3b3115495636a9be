"""Claims on the networks of a long run, so that two runs of it can share the work.

``digitnet reproduce book-ch6-ensemble --keep DIR`` trains five networks one after the
other, each on one core when BLAS has one thread. Started twice with the same ``DIR`` (two
terminals, two machines sharing a disk), each run claims a network no other run is training,
trains it, and then waits for the networks the other run claimed instead of training them
again. A claim is an advisory ``flock`` on a hidden file beside the network's file: the
operating system drops it when its run ends, however it ends, so a run that was killed
never leaves a network claimed. Where there is no ``flock`` (Windows), every claim is
granted at once and the runs do not share (each trains what it finds missing).
"""

from __future__ import annotations

import os
from pathlib import Path

from digitnet.errors import DigitnetError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class Claim:
    """A claim on the network that will be saved as ``target``."""

    def __init__(self, target: Path) -> None:
        self.path = target.with_name(f".{target.stem}.claim")
        self._fd: int | None = None

    def take(self, wait: bool) -> bool:
        """Claim the network; ``wait``: until the run that holds it lets go, else give up at
        once. True when this run now holds it."""
        if fcntl is None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise DigitnetError(
                f"{self.path.parent}: cannot keep networks there ({e.strerror or e})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:  # Ctrl-C while waiting
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self, finished: bool) -> None:
        """Let go; ``finished``: the network is saved, so its claim file goes too."""
        if self._fd is None:
            return
        if finished:  # only after the network's file is in place: a run that opened the
            self.path.unlink(missing_ok=True)  # claim file before this finds the network
        os.close(self._fd)
        self._fd = None
