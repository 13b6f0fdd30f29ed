"""The sync's writer thread: batch k is stored while the reader maps and validates batch k+1."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


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
        self._queue.put(None)
        self._thread.join()
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
