"""Peak memory of a process together with its descendants (a sync may normalize on workers).

`ru_maxrss` is exact but covers one process; the sampler adds up `VmRSS` of the process tree from
/proc every few milliseconds and keeps the highest sum it saw.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")


def peak_rss_kib() -> int:
    """This process's peak resident set size so far, in KiB (Linux reports `ru_maxrss` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except OSError:  # gone meanwhile
        pass
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(pid: int) -> int:
    """The resident set size of `pid` and all its descendants now, in KiB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        total += _rss_kib(current)
        pending += _children(current)
    return total


class TreeRssSampler:
    """A thread that samples this process tree's RSS every `interval` seconds; `peak()` is the
    highest sum seen since the last `reset()`."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        pid = os.getpid()
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, tree_rss_kib(pid))

    def peak(self) -> int:
        """The highest RSS sum sampled so far (at least this process's own now), in KiB."""
        self._peak = max(self._peak, tree_rss_kib(os.getpid()))
        return self._peak
