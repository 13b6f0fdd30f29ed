"""The dispatch interface: a run is queued in the database at once and executed later."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from sqlalchemy.orm import Session, sessionmaker

from hub.settings import Settings
from hub.store.models import Run
from hub.sync.runner import SyncRunner


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
        self.runner = SyncRunner(sessions, settings)

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
