"""Connector health at a glance: one row per connector, worst first, read in three indexed
queries whatever the number of runs stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement

from hub.store.models import ConnectorInstance, ConnectorSchedule, Partner, Run
from hub.store.types import utcnow

#: Health states, worst first: the order the overview lists them in.
STATES = ("failing", "late", "never", "paused", "fresh")
STATE_LABELS = {
    "failing": "Failing",
    "late": "Late",
    "never": "Never synced",
    "paused": "Paused",
    "fresh": "Fresh",
}
#: How often a connector without an interval schedule (manual, or cron) is expected to succeed.
DEFAULT_PERIOD = timedelta(hours=24)
#: Runs the data-quality rate looks back over.
QUALITY_WINDOW = 10
_SUCCESS = ("succeeded", "partial")
_FINISHED = ("succeeded", "partial", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class ConnectorHealth:
    """How one connector is doing."""

    connector: ConnectorInstance
    partner: Partner
    state: str
    last_run: Run | None
    last_success_at: datetime | None
    failure_streak: int
    records_read: int
    records_rejected: int
    period: timedelta

    @property
    def label(self) -> str:
        """The state in words, for people (colour is never the only cue)."""
        return STATE_LABELS[self.state]

    @property
    def quality(self) -> float | None:
        """Share of records read in the last runs that passed validation, or None if none read."""
        if not self.records_read:
            return None
        return 1 - self.records_rejected / self.records_read


def _state(
    connector: ConnectorInstance,
    last_finished: Run | None,
    last_success_at: datetime | None,
    period: timedelta,
    now: datetime,
) -> str:
    if connector.status == "paused":
        return "paused"
    if last_finished is not None and last_finished.status == "failed":
        return "failing"
    if last_success_at is None:
        return "never"
    # A missed sync is tolerated; two missed in a row is late.
    return "late" if now - last_success_at > 2 * period else "fresh"


def connector_health(session: Session, *, now: datetime | None = None) -> list[ConnectorHealth]:
    """Every connector's health, worst state first, then longest failure streak, then partner.

    Each figure is a correlated subquery that walks the index on runs(connector_id, id) from the
    newest run backwards, so the cost follows the number of connectors, not of runs.
    """
    now = now or utcnow()

    def newest(*conditions: Callable[[Any], ColumnElement[bool]], offset: int = 0) -> Any:
        r = aliased(Run)
        query = select(r.id).where(r.connector_id == ConnectorInstance.id)
        query = query.where(*(condition(r) for condition in conditions))
        return query.order_by(r.id.desc()).limit(1).offset(offset).scalar_subquery()

    def over_runs(column: str, *conditions: Callable[[Any], ColumnElement[bool]]) -> Any:
        r = aliased(Run)
        aggregate = func.count() if column == "*" else func.sum(getattr(r, column))
        query = select(aggregate).where(r.connector_id == ConnectorInstance.id)
        return query.where(*(condition(r) for condition in conditions)).scalar_subquery()

    last_success_id = newest(lambda r: r.status.in_(_SUCCESS))
    window_start_id = newest(offset=QUALITY_WINDOW - 1)

    def in_window(r: Any) -> ColumnElement[bool]:
        return r.id >= func.coalesce(window_start_id, 0)

    rows = session.execute(
        select(
            ConnectorInstance,
            Partner,
            ConnectorSchedule.interval_seconds,
            newest(),
            newest(lambda r: r.status.in_(_FINISHED)),
            last_success_id,
            over_runs(
                "*",
                lambda r: r.status == "failed",
                lambda r: r.id > func.coalesce(last_success_id, 0),
            ),
            over_runs("records_read", in_window),
            over_runs("rejected", in_window),
        )
        .join(Partner, Partner.id == ConnectorInstance.partner_id)
        .outerjoin(ConnectorSchedule, ConnectorSchedule.connector_id == ConnectorInstance.id)
    ).all()
    wanted = {i for row in rows for i in row[3:6] if i is not None}
    runs = (
        {run.id: run for run in session.scalars(select(Run).where(Run.id.in_(wanted)))}
        if wanted
        else {}
    )
    table = []
    for connector, partner, interval, last_id, finished_id, success_id, streak, read, rej in rows:
        success = runs.get(success_id)
        success_at = (success.finished_at or success.created_at) if success else None
        period = timedelta(seconds=interval) if interval else DEFAULT_PERIOD
        table.append(
            ConnectorHealth(
                connector=connector,
                partner=partner,
                state=_state(connector, runs.get(finished_id), success_at, period, now),
                last_run=runs.get(last_id),
                last_success_at=success_at,
                failure_streak=streak or 0,
                records_read=int(read or 0),
                records_rejected=int(rej or 0),
                period=period,
            )
        )
    table.sort(key=lambda h: (STATES.index(h.state), -h.failure_streak, h.partner.code))
    return table
