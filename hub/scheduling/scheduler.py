"""The scheduler process: APScheduler is the clock, the database is the truth.

Each process keeps its jobs in APScheduler's memory store (a shared job store would run jobs
twice) and rebuilds them from the `connector_schedules` table every `scheduler_poll_seconds`,
so a schedule change takes effect without a restart. Every due slot — a (connector, stream,
due time) — is claimed by inserting a unique row before its run is queued: schedulers racing on
the same database run each slot exactly once. The same poll marks dead runs failed, retries
failed runs after a backoff, and pauses connectors that keep failing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.dispatch import Dispatcher
from hub.errors import HubError
from hub.scheduling.failures import FailurePolicy, failure_streak
from hub.scheduling.triggers import OffsetTrigger, build_trigger, last_due
from hub.settings import Settings
from hub.store.models import ConnectorInstance, ConnectorSchedule, Run, ScheduleSlot
from hub.store.types import utcnow
from hub.sync.runner import abandon, alive, worker_name

log = logging.getLogger(__name__)

#: A scheduled slot missed by more than this (all schedulers down) is not made up for.
CATCH_UP = timedelta(days=1)
HOUSEKEEPING = "housekeeping"


@dataclass(frozen=True)
class _Loaded:
    """What a connector's job was built from: a change in any of it rebuilds the job."""

    updated_at: datetime
    timezone: str
    trigger: OffsetTrigger


class Scheduler:
    """Fires connectors' schedules and keeps runs going; start it in one or more processes."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        dispatcher: Dispatcher,
        policy: FailurePolicy | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.dispatcher = dispatcher
        self.policy = policy or FailurePolicy(sessions, settings)
        self.name = worker_name()
        self._clock = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(4)},
            # A job late for any reason runs once, however many of its times it missed.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._loaded: dict[int, _Loaded] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the clock; the first poll (load schedules, reap, retry) runs at once."""
        self._clock.start()
        self._clock.add_job(
            self.poll,
            IntervalTrigger(seconds=self.settings.scheduler_poll_seconds, timezone=UTC),
            id=HOUSEKEEPING,
            next_run_time=utcnow(),
        )

    def stop(self) -> None:
        """Stop the clock; runs already handed to the dispatcher are the dispatcher's."""
        self._clock.shutdown(wait=True)

    def jobs(self) -> dict[int, str]:
        """The schedules this process has loaded: connector id → its trigger in words."""
        with self._lock:
            return {connector_id: str(job.trigger) for connector_id, job in self._loaded.items()}

    def poll(self) -> None:
        """One round of housekeeping: reload changed schedules, mark dead runs failed, retry
        or pause after failures. Safe to run in any number of processes at once."""
        try:
            self.reconcile()
            self.reap()
            self.handle_failures()
        except Exception:
            log.exception("scheduler poll failed; the next one tries again")

    def reconcile(self) -> None:
        """Make this process's jobs match the schedules of active connectors in the database."""
        with self.sessions() as session:
            rows = session.execute(
                select(ConnectorSchedule, ConnectorInstance.timezone)
                .join(ConnectorInstance, ConnectorInstance.id == ConnectorSchedule.connector_id)
                .where(ConnectorInstance.status == "active")
            ).all()
        wanted = {schedule.connector_id: (schedule, timezone) for schedule, timezone in rows}
        with self._lock:
            for connector_id in set(self._loaded) - set(wanted):
                self._clock.remove_job(_job_id(connector_id))
                del self._loaded[connector_id]
                log.info("connector %s: schedule removed", connector_id)
            for connector_id, (schedule, timezone) in wanted.items():
                loaded = self._loaded.get(connector_id)
                if loaded and (loaded.updated_at, loaded.timezone) == (
                    schedule.updated_at,
                    timezone,
                ):
                    continue
                self._load(schedule, timezone)

    def _load(self, schedule: ConnectorSchedule, timezone: str) -> None:
        trigger = build_trigger(
            schedule.connector_id,
            interval_seconds=schedule.interval_seconds,
            cron=schedule.cron,
            jitter_seconds=schedule.jitter_seconds,
            timezone=timezone,
        )
        now = utcnow()
        # A slot that fell due since the schedule was set, while no scheduler ran, is made up
        # for once (a scheduler that did fire it has claimed it, and the claim is refused).
        missed = last_due(trigger, now, CATCH_UP)
        first = missed if missed is not None and missed >= schedule.updated_at else None
        self._clock.add_job(
            self.fire,
            trigger,
            args=[schedule.connector_id],
            id=_job_id(schedule.connector_id),
            replace_existing=True,
            **({"next_run_time": first} if first is not None else {}),
        )
        self._loaded[schedule.connector_id] = _Loaded(schedule.updated_at, timezone, trigger)
        log.info("connector %s: scheduled (%s)", schedule.connector_id, trigger)

    def fire(self, connector_id: int) -> None:
        """Claim the connector's slot that is due now, stream by stream, and dispatch its runs."""
        with self._lock:
            loaded = self._loaded.get(connector_id)
        if loaded is None:
            return
        due = last_due(loaded.trigger, utcnow(), CATCH_UP)
        if due is None:
            return
        try:
            streams = self.dispatcher.runner.streams(connector_id)
        except Exception as error:  # a broken config fails the claim, not the scheduler
            log.error("connector %s: cannot list its streams: %s", connector_id, error)
            return
        for stream in streams:
            self.claim(connector_id, stream, due, kind="schedule")

    def claim(self, connector_id: int, stream: str, due: datetime, *, kind: str) -> Run | None:
        """Claim one due slot and queue its run; None when another process had claimed it, or
        the run could not start (the slot then records why, and stays claimed)."""
        trigger = "schedule" if kind == "schedule" else "retry"
        try:
            with self.sessions.begin() as session:
                slot = self._slot(connector_id, stream, due, kind)
                session.add(slot)
                session.flush()
                run = self.dispatcher.enqueue(session, connector_id, stream, trigger=trigger)
                slot.run_id = run.id
        except IntegrityError:
            log.info("connector %s stream %s: %s slot %s claimed by another scheduler",
                     connector_id, stream, kind, due.isoformat())  # fmt: skip
            return None
        except HubError as error:
            self._skip(connector_id, stream, due, kind, str(error))
            return None
        self.dispatcher.dispatch(run.id)
        log.info("connector %s stream %s: run %s for %s slot %s", connector_id, stream, run.id,
                 kind, due.isoformat())  # fmt: skip
        return run

    def _skip(self, connector_id: int, stream: str, due: datetime, kind: str, why: str) -> None:
        slot = self._slot(connector_id, stream, due, kind)
        slot.skipped = why
        try:
            with self.sessions.begin() as session:
                session.add(slot)
        except IntegrityError:
            return  # another scheduler claimed the slot meanwhile: it is theirs
        log.info("connector %s stream %s: %s slot %s skipped: %s", connector_id, stream, kind,
                 due.isoformat(), why)  # fmt: skip

    def _slot(self, connector_id: int, stream: str, due: datetime, kind: str) -> ScheduleSlot:
        return ScheduleSlot(
            connector_id=connector_id,
            stream=stream,
            due_at=due,
            kind=kind,
            claimed_at=utcnow(),
            claimed_by=self.name,
        )

    def reap(self) -> list[int]:
        """Mark failed the unfinished runs whose process is gone; their ids."""
        with self.sessions.begin() as session:
            active = session.scalars(select(Run).where(Run.status.in_(("queued", "running"))))
            reaped = [run.id for run in active.all() if not alive(run) and abandon(session, run)]
        for run_id in reaped:
            log.warning("run %s: its process stopped mid-run; marked failed", run_id)
        return reaped

    def handle_failures(self) -> None:
        """For each stream whose latest run failed recently: pause its connector when failures
        have reached `max_failures`, or else retry the run once its backoff has passed."""
        now = utcnow()
        horizon = now - timedelta(seconds=self.settings.retry_backoff_max_seconds) - CATCH_UP
        with self.sessions() as session:
            latest = (
                select(Run.connector_id, Run.stream, func.max(Run.id).label("id"))
                .where(Run.finished_at >= horizon)
                .group_by(Run.connector_id, Run.stream)
                .subquery()
            )
            failed = session.scalars(
                select(Run)
                .join(latest, Run.id == latest.c.id)
                .join(ConnectorInstance, ConnectorInstance.id == Run.connector_id)
                .where(Run.status == "failed", ConnectorInstance.status == "active")
            ).all()
            newer = {
                (connector_id, stream)
                for connector_id, stream in session.execute(
                    select(Run.connector_id, Run.stream).where(
                        Run.status.in_(("queued", "running"))
                    )
                )
            }
            streaks = {
                run.connector_id: failure_streak(session, run.connector_id) for run in failed
            }
        for run in failed:
            if (run.connector_id, run.stream) in newer:
                continue
            if self.policy.pause_if_failing(run.connector_id):
                continue
            if streaks[run.connector_id] >= self.settings.max_failures:
                continue  # paused already (by another process, or this one a moment ago)
            due = self.policy.retry_due(run, streaks[run.connector_id])
            if due <= now:
                self.claim(run.connector_id, run.stream, due, kind="retry")


def _job_id(connector_id: int) -> str:
    return f"connector-{connector_id}"
