"""The runs the dashboard lists and shows: newest first, paged by id (keyset), with the connector
and partner each belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.errors import NotFound
from hub.store.models import ConnectorInstance, Partner, Rejection, Run, RunLog


@dataclass(frozen=True, slots=True)
class RunRow:
    """A run with its connector and partner."""

    run: Run
    connector: ConnectorInstance
    partner: Partner


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs and the id to continue before (None on the last page)."""

    rows: Sequence[RunRow]
    next_before: int | None


@dataclass(frozen=True, slots=True)
class RunDetail:
    """Everything the run page shows: counters, error, log lines and quarantined records."""

    row: RunRow
    logs: Sequence[RunLog]
    rejected_total: int
    rejections: Sequence[Rejection]


def run_page(
    session: Session,
    *,
    status: str | None = None,
    connector_id: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> RunPage:
    """Runs newest first, optionally of one status or connector, older than run `before`.
    Keyset paging on the indexes runs(status, id) and runs(connector_id, id): page 2,000 costs
    what page 1 does."""
    query = (
        select(Run, ConnectorInstance, Partner)
        .join(ConnectorInstance, ConnectorInstance.id == Run.connector_id)
        .join(Partner, Partner.id == ConnectorInstance.partner_id)
        .order_by(Run.id.desc())
        .limit(limit + 1)
    )
    if status is not None:
        query = query.where(Run.status == status)
    if connector_id is not None:
        query = query.where(Run.connector_id == connector_id)
    if before is not None:
        query = query.where(Run.id < before)
    rows = [RunRow(*row) for row in session.execute(query).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    return RunPage(rows, rows[-1].run.id if more else None)


def run_detail(
    session: Session, run_id: int, *, rejections: int = 50, logs: int = 500
) -> RunDetail:
    """The run with this id, its first `logs` log lines and first `rejections` quarantined
    records (raw records are stored with NIKs masked)."""
    found = session.execute(
        select(Run, ConnectorInstance, Partner)
        .join(ConnectorInstance, ConnectorInstance.id == Run.connector_id)
        .join(Partner, Partner.id == ConnectorInstance.partner_id)
        .where(Run.id == run_id)
    ).one_or_none()
    if found is None:
        raise NotFound(f"run: no run with id {run_id}")
    total = session.scalar(
        select(func.count()).select_from(Rejection).where(Rejection.run_id == run_id)
    )
    return RunDetail(
        row=RunRow(*found),
        logs=session.scalars(
            select(RunLog).where(RunLog.run_id == run_id).order_by(RunLog.id).limit(logs)
        ).all(),
        rejected_total=total or 0,
        rejections=session.scalars(
            select(Rejection)
            .where(Rejection.run_id == run_id)
            .order_by(Rejection.id)
            .limit(rejections)
        ).all(),
    )
