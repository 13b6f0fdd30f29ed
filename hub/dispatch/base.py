"""The dispatch interface: a run is queued in the database at once and executed later."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import Conflict
from hub.monitoring.logs import bind_run, current_run, flush_run_logs, install_run_logging
from hub.monitoring.metrics import observe_run
from hub.scheduling.failures import FailurePolicy
from hub.settings import Settings
from hub.store.models import ConnectorInstance, Run
from hub.sync.runner import SyncRunner

log = logging.getLogger(__name__)


class Dispatcher(ABC):
    """Accepts runs and has them executed asynchronously.

    A submitted run is a `queued` row committed before `submit` returns; at most one run per
    connector stream is queued or running at a time, whichever process asks (a database index
    says so). How queued runs get executed is each dispatcher's own: in threads of this process,
    or by workers that claim them from the database.
    """

    #: Whether queued runs wait in the database for any worker (True) or belong to this process.
    shared_queue: ClassVar[bool]

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.runner = SyncRunner(sessions, settings, on_progress=self._progress)
        self.policy = FailurePolicy(sessions, settings)
        install_run_logging()

    def submit(
        self, connector_id: int, stream: str, *, trigger: str, full_refresh: bool = False
    ) -> Run:
        """Queue a run of one stream, have it executed, and return the queued run at once.

        Raises `hub.errors.Conflict` when the stream has a run queued or running already, or
        the connector is paused; `NotFound` for an unknown connector; `InvalidInput` for an
        unknown stream. Nothing is queued then.
        """
        with self.sessions.begin() as session:
            run = self.enqueue(
                session, connector_id, stream, trigger=trigger, full_refresh=full_refresh
            )
        self.dispatch(run.id)
        return run

    def enqueue(
        self,
        session: Session,
        connector_id: int,
        stream: str,
        *,
        trigger: str,
        full_refresh: bool = False,
    ) -> Run:
        """Queue a run in the caller's transaction (which must commit before `dispatch`);
        raises as `submit` does."""
        return self.runner.enqueue(
            session,
            connector_id,
            stream,
            trigger=trigger,
            full_refresh=full_refresh,
            shared=self.shared_queue,
        )

    @abstractmethod
    def dispatch(self, run_id: int) -> None:
        """Have a queued, committed run executed; returns at once."""

    @abstractmethod
    def close(self, *, wait: bool = True) -> None:
        """Stop accepting runs; with `wait`, return once the runs accepted have finished."""

    def execute(self, run_id: int) -> Run | None:
        """Execute a queued run in this thread, the way every dispatcher does: its log lines
        kept with it, its metrics counted, and a failure streak that has reached
        `max_failures` pausing its connector. None when the run was no longer queued."""
        with self.sessions() as session:
            partner_id = session.scalar(
                select(ConnectorInstance.partner_id)
                .join(Run, Run.connector_id == ConnectorInstance.id)
                .where(Run.id == run_id)
            )
        with bind_run(run_id, partner_id or "") as context:
            log.info("run %s starting", run_id)
            try:
                run = self.runner.execute(run_id)
            except Conflict as error:
                log.warning("run %s not executed: %s", run_id, error)
                return None
            except Exception:
                # The runner has recorded the failure on the run; the traceback is for operators.
                log.exception("run %s failed inside the hub", run_id)
                with self.sessions() as session:
                    run = session.get_one(Run, run_id)
            log_finished(run)
            flush_run_logs(self.sessions, context, final=True)
        observe_run(run)
        if run.status == "failed":
            self.policy.pause_if_failing(run.connector_id)
        return run

    def _progress(self, run: Run) -> None:
        context = current_run()
        if context is not None:
            flush_run_logs(self.sessions, context)


def log_finished(run: Run) -> None:
    """Log how a run ended, with its counts and classified error."""
    level = logging.WARNING if run.status == "failed" else logging.INFO
    log.log(
        level,
        "run %s %s: read %s, created %s, updated %s, unchanged %s, deleted %s, rejected %s%s",
        run.id,
        run.status,
        run.records_read,
        run.created,
        run.updated,
        run.unchanged,
        run.deleted,
        run.rejected,
        f"; {run.error_code}: {run.error_message}" if run.error_code else "",
    )
