"""The embedded default dispatcher: runs execute in a bounded pool of this process's threads."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import ClassVar

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from hub.dispatch.base import Dispatcher
from hub.settings import Settings
from hub.store.models import Run
from hub.store.types import utcnow
from hub.sync.runner import worker_name

log = logging.getLogger(__name__)


class ThreadPoolDispatcher(Dispatcher):
    """Executes queued runs in at most `threads` threads of this process (default: the
    `dispatch_threads` setting); runs beyond that wait, `queued`, for a free thread.

    While it holds runs it refreshes their heartbeat every `heartbeat_seconds`, so that other
    processes see them alive however long a page takes; if this process dies, its runs are
    found abandoned and retried by the scheduler.
    """

    shared_queue: ClassVar[bool] = False

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, *, threads: int | None = None
    ) -> None:
        super().__init__(sessions, settings)
        self.threads = threads or settings.dispatch_threads
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="hub-run")
        self._lock = threading.Lock()
        self._pending: dict[Future[Run | None], int] = {}
        self._closed = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="hub-run-heartbeat", daemon=True)
        self._heartbeat.start()

    def dispatch(self, run_id: int) -> None:
        """Hand a queued run to the pool; it starts as soon as a thread is free."""
        with self._lock:
            if self._closed.is_set():
                raise RuntimeError("the dispatcher is closed")
            future = self._pool.submit(self.execute, run_id)
            self._pending[future] = run_id
        future.add_done_callback(self._done)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every run handed over so far has finished; False on timeout."""
        with self._lock:
            futures = list(self._pending)
        _, not_done = wait_for(futures, timeout)
        return not not_done

    def close(self, *, wait: bool = True) -> None:
        """Stop accepting runs. With `wait`, let every accepted run finish; without, runs not
        yet started are cancelled (and marked so) and running ones finish in their threads."""
        with self._lock:
            self._closed.set()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        if not wait:
            with self._lock:
                cancelled = [run_id for f, run_id in self._pending.items() if f.cancelled()]
            if cancelled:
                with self.sessions.begin() as session:
                    session.execute(
                        update(Run)
                        .where(Run.id.in_(cancelled), Run.status == "queued")
                        .values(
                            status="cancelled",
                            error_code="cancelled",
                            error_message="the dispatcher closed before the run started",
                            finished_at=utcnow(),
                        )
                    )
        self._heartbeat.join()

    def _done(self, future: Future[Run | None]) -> None:
        with self._lock:
            if not self._closed.is_set() or not future.cancelled():
                self._pending.pop(future, None)

    def _beat(self) -> None:
        me = worker_name()
        while not self._closed.wait(self.settings.heartbeat_seconds):
            with self._lock:
                holding = bool(self._pending)
            if not holding:
                continue
            try:
                with self.sessions.begin() as session:
                    session.execute(
                        update(Run)
                        .where(Run.worker == me, Run.status.in_(("queued", "running")))
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed beat is retried at the next; the thread must live on
                log.exception("heartbeat of runs held by %s failed", me)
