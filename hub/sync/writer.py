"""The sync's writer thread: batch k is stored while the reader maps and validates batch k+1."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

#: How long a thread holds the GIL, while another waits for it, when a writer runs (seconds).
SWITCH_INTERVAL = 0.0002

_switching = threading.Lock()
_writers = 0
_usual_interval = sys.getswitchinterval()


def _writer_started() -> None:
    """While any writer runs, hand the GIL over after `SWITCH_INTERVAL` rather than Python's
    usual 5 ms.

    Each time the writer comes back from the database (a statement, a commit: some twenty times
    a batch) it must win the GIL back from the reading thread, which is busy in Python. The
    reading thread lets it go only when the interval is up, and the database sits idle
    meanwhile. Measured on 100,000 courses into SQLite: 25,100 records/s with 5 ms, 26,100 with
    1 ms, 27,600 with 0.2 ms; an unchanged re-sync 83,000, 106,000 and 111,000.
    """
    global _writers, _usual_interval
    with _switching:
        if _writers == 0:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_usual_interval, SWITCH_INTERVAL))
        _writers += 1


def _writer_stopped() -> None:
    """The last writer to stop puts the interval back."""
    global _writers
    with _switching:
        _writers -= 1
        if _writers == 0:
            sys.setswitchinterval(_usual_interval)


class BatchWriter(Generic[T]):
    """Hands batches to `write`, in order, on a thread of its own.

    A database does most of a write without the GIL: SQLite inside `sqlite3_step` and its commit,
    PostgreSQL in its own server process. So while this thread waits on those, the reading thread
    goes on mapping and validating the next batch, and a sync uses both cores. One batch at most
    waits while another is written, so a sync holds three batches at most, however long it runs.

    Used as a context manager: leaving the block waits until every submitted batch is written (or
    the writer has failed), so nothing else uses the writer's session meanwhile. A write that
    raised is raised again by the next `submit` or on leaving the block; batches submitted after
    it are dropped.
    """

    def __init__(self, write: Callable[[T], None]) -> None:
        self._write = write
        self._queue: queue.Queue[T | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="sync-writer", daemon=True)

    def __enter__(self) -> BatchWriter[T]:
        _writer_started()
        self._thread.start()
        return self

    def submit(self, batch: T) -> None:
        """Queue `batch` for writing; blocks while another batch already waits."""
        self._raise_failure()
        self._queue.put(batch)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._queue.put(None)
            self._thread.join()
        finally:
            _writer_stopped()
        if exc is None:
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _loop(self) -> None:
        while (batch := self._queue.get()) is not None:
            # After a failure the queue is still drained, so a `submit` never blocks for good.
            if self._error is None:
                try:
                    self._write(batch)
                except BaseException as error:
                    self._error = error
