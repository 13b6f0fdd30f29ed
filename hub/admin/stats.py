"""Counts the dashboard's charts draw: runs per hour by status, records kept per partner."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from hub.store.models import ENTITY_MODELS, Partner, Run
from hub.store.types import utcnow


class hour_of(FunctionElement[Any]):  # noqa: N801 - an SQL function, named like one
    """The hour a timestamp falls in, as text `YYYY-MM-DD HH` (UTC), on either backend."""

    type = String()
    inherit_cache = True


@compiles(hour_of, "sqlite")
def _hour_sqlite(element: hour_of, compiler: Any, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as ISO text: the hour is its first 13 characters.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(hour_of, "postgresql")
def _hour_postgresql(element: hour_of, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


@dataclass(frozen=True, slots=True)
class HourlyRuns:
    """Runs started in each hour of a window, by status; `hours` are oldest first, labelled
    `HH` (UTC) for the chart."""

    hours: list[tuple[str, dict[str, int]]]
    total: int


def runs_per_hour(session: Session, *, hours: int = 24, now: datetime | None = None) -> HourlyRuns:
    """Runs created in the last `hours` hours by hour and status (uses the index on
    runs(status, created_at))."""
    end = (now or utcnow()).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    bucket: ColumnElement[Any] = hour_of(Run.created_at)
    rows = session.execute(
        select(bucket, Run.status, func.count())
        .where(Run.created_at >= start)
        .group_by(bucket, Run.status)
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for hour, status, n in rows:
        counts[str(hour)][status] = n
    columns = []
    for i in range(hours):
        at = start + timedelta(hours=i)
        columns.append((at.strftime("%H"), counts.get(at.strftime("%Y-%m-%d %H"), {})))
    return HourlyRuns(columns, sum(sum(c.values()) for _, c in columns))


@dataclass(frozen=True, slots=True)
class PartnerRecords:
    """How many live records (not deleted at the source) a partner has, by entity."""

    partner: Partner
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """All its live records."""
        return sum(self.counts.values())


def records_per_partner(session: Session) -> list[PartnerRecords]:
    """Every partner with its live record counts, most records first."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for entity, model in ENTITY_MODELS.items():
        rows = session.execute(
            select(model.partner_id, func.count())
            .where(model.deleted_at.is_(None))
            .group_by(model.partner_id)
        ).all()
        for partner_id, n in rows:
            counts[partner_id][entity] = n
    partners = session.scalars(select(Partner)).all()
    table = [
        PartnerRecords(p, {e: counts[p.id].get(e, 0) for e in ENTITY_MODELS}) for p in partners
    ]
    return sorted(table, key=lambda r: (-r.total, r.partner.code))
