"""Connector health: is each connector's data fresh against its schedule?

States, first that applies: `paused`; `failing` (its latest finished run failed); `never` (no
successful run yet); `late` (two of its scheduled slots have passed since its last success);
`fresh`. A connector without a schedule is fresh once it has succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import Session, aliased

from hub.scheduling.triggers import OffsetTrigger, build_trigger, next_due
from hub.store.models import ConnectorEvent, ConnectorInstance, ConnectorSchedule, Run
from hub.store.types import utcnow

HEALTH_STATES = ("fresh", "late", "failing", "paused", "never")
SUCCESSES = ("succeeded", "partial")
FINISHED = ("succeeded", "partial", "failed", "cancelled")
#: The data-quality rate looks at this many of a connector's latest finished runs.
QUALITY_WINDOW = 10


@dataclass(frozen=True, slots=True)
class ConnectorHealth:
    """One connector's health as the dashboard and `/metrics` show it."""

    connector_id: int
    partner_id: str
    name: str
    state: str
    last_success_at: datetime | None
    seconds_since_success: float | None
    last_run_id: int | None
    last_run_status: str | None
    failure_streak: int
    #: Rejected ÷ read over the latest finished runs; None when they read nothing.
    rejected_rate: float | None
    schedule: str | None
    next_due_at: datetime | None


class HealthService:
    """Computes connector health in one query over the runs table (a few index probes per
    connector, so it stays fast however many runs there are)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def overview(
        self, *, partner_id: str | None = None, now: datetime | None = None
    ) -> list[ConnectorHealth]:
        """Every connector's health (or one partner's), by connector id."""
        query = _health_query()
        if partner_id is not None:
            query = query.where(ConnectorInstance.partner_id == partner_id)
        return [_health(row, now or utcnow()) for row in self.session.execute(query)]

    def connector(self, connector_id: int, *, now: datetime | None = None) -> ConnectorHealth:
        """One connector's health; NotFound when it does not exist."""
        from hub.connections.services import ConnectorService

        ConnectorService(self.session).get(connector_id)
        row = self.session.execute(
            _health_query().where(ConnectorInstance.id == connector_id)
        ).one()
        return _health(row, now or utcnow())


def _latest(*statuses: str) -> ScalarSelect[int]:
    """The id of the connector's latest run in one of `statuses` (correlated)."""
    run = aliased(Run)
    return (
        select(run.id)
        .where(run.connector_id == ConnectorInstance.id, run.status.in_(statuses))
        .order_by(run.id.desc())
        .limit(1)
        .correlate(ConnectorInstance)
        .scalar_subquery()
    )


@cache
def _health_query() -> Select[*tuple[Any, ...]]:
    # Built once: statements are immutable, and building this one (aliases, correlated
    # subqueries) costs more than running it.
    c = ConnectorInstance
    resumed_at = (
        select(func.max(ConnectorEvent.at))
        .where(ConnectorEvent.connector_id == c.id, ConnectorEvent.event == "resumed")
        .correlate(c)
        .scalar_subquery()
    )
    # Counted off the index on runs(connector_id, status, id): only this connector's failures
    # after its last success are read.
    failed = aliased(Run)
    streak = (
        select(func.count())
        .where(
            failed.connector_id == c.id,
            failed.status == "failed",
            failed.id > func.coalesce(_latest(*SUCCESSES), 0),
            failed.created_at > func.coalesce(resumed_at, datetime(1970, 1, 1, tzinfo=UTC)),
        )
        .correlate(c)
        .scalar_subquery()
    )
    finished = aliased(Run)
    recent = (
        select(finished.records_read, finished.rejected)
        .where(finished.connector_id == c.id, finished.status.in_(FINISHED))
        .order_by(finished.id.desc())
        .limit(QUALITY_WINDOW)
        .correlate(c)
        .subquery()
    )
    success = aliased(Run)
    last = aliased(Run)
    return (
        select(
            c.id.label("connector_id"),
            c.partner_id,
            c.name,
            c.status,
            c.timezone,
            ConnectorSchedule.interval_seconds,
            ConnectorSchedule.cron,
            ConnectorSchedule.jitter_seconds,
            success.started_at.label("success_started"),
            success.finished_at.label("success_finished"),
            last.id.label("last_id"),
            last.status.label("last_status"),
            streak.label("streak"),
            select(func.sum(recent.c.records_read)).scalar_subquery().label("read"),
            select(func.sum(recent.c.rejected)).scalar_subquery().label("rejected"),
        )
        .outerjoin(ConnectorSchedule, ConnectorSchedule.connector_id == c.id)
        .outerjoin(success, success.id == _latest(*SUCCESSES))
        .outerjoin(last, last.id == _latest(*FINISHED))
        .order_by(c.id)
    )


def _health(row: Any, now: datetime) -> ConnectorHealth:
    schedule = next_at = None
    trigger = None
    if row.interval_seconds is not None or row.cron is not None:
        trigger = _trigger(
            row.connector_id, row.interval_seconds, row.cron, row.jitter_seconds, row.timezone
        )
        schedule = f"every {row.interval_seconds}s" if row.interval_seconds else f"cron {row.cron}"
        next_at = next_due(trigger, now)
    since: datetime | None = row.success_finished
    if row.status == "paused":
        state = "paused"
    elif row.last_status == "failed":
        state = "failing"
    elif since is None:
        state = "never"
    elif trigger is not None and _late(trigger, row.success_started, now):
        state = "late"
    else:
        state = "fresh"
    return ConnectorHealth(
        connector_id=row.connector_id,
        partner_id=row.partner_id,
        name=row.name,
        state=state,
        last_success_at=since,
        seconds_since_success=(now - since).total_seconds() if since else None,
        last_run_id=row.last_id,
        last_run_status=row.last_status,
        failure_streak=int(row.streak or 0),
        rejected_rate=int(row.rejected or 0) / int(row.read) if row.read else None,
        schedule=schedule,
        next_due_at=next_at,
    )


@lru_cache(maxsize=4096)
def _trigger(
    connector_id: int, interval_seconds: int | None, cron: str | None, jitter: int, timezone: str
) -> OffsetTrigger:
    # Keyed by the schedule's own values, so an edited schedule gets a new trigger; building
    # one (a cron expression parsed, a zone looked up) per connector per page view was most of
    # the overview's Python time.
    return build_trigger(
        connector_id,
        interval_seconds=interval_seconds,
        cron=cron,
        jitter_seconds=jitter,
        timezone=timezone,
    )


def _late(trigger: BaseTrigger, success_started: datetime, now: datetime) -> bool:
    # The slot after the last success may still be running; the one after it must not have
    # passed too.
    first = next_due(trigger, success_started)
    second = next_due(trigger, first) if first is not None else None
    return second is not None and now > second


def health_as_dict(health: ConnectorHealth) -> dict[str, Any]:
    """A connector's health as `--json` (and the API) show it."""
    return {
        "connector_id": health.connector_id,
        "partner_id": health.partner_id,
        "name": health.name,
        "state": health.state,
        "last_success_at": health.last_success_at.isoformat() if health.last_success_at else None,
        "seconds_since_success": health.seconds_since_success,
        "last_run": {"id": health.last_run_id, "status": health.last_run_status}
        if health.last_run_id
        else None,
        "failure_streak": health.failure_streak,
        "rejected_rate": health.rejected_rate,
        "schedule": health.schedule,
        "next_due_at": health.next_due_at.isoformat() if health.next_due_at else None,
    }
