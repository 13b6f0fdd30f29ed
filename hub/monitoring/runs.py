"""The runs an operator scans (filtered, newest first, keyset-paged), the connectors and partners
they belong to, and one run in detail: the one way the CLI, the API and the dashboard read runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from hub.errors import InvalidInput
from hub.store.models import (
    RUN_STATUSES,
    RUN_TRIGGERS,
    ConnectorInstance,
    Partner,
    Rejection,
    Run,
    RunLog,
)
from hub.store.paging import MAX_ID
from hub.sync.runs import RunService, rejection_as_dict, run_as_dict

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which runs to list; every field is optional."""

    status: str | None = None
    partner_id: str | None = None
    connector_id: int | None = None
    trigger: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs and the cursor of the next (None on the last page)."""

    runs: Sequence[Run]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class RunOwner:
    """The connector a run belongs to and its partner (only the columns people read: id, name,
    type, status; id, code, name)."""

    connector: ConnectorInstance
    partner: Partner


@dataclass(frozen=True, slots=True)
class RunDetail:
    """One run in full: its owner, first log lines and first quarantined records (raw records
    are stored with NIKs masked)."""

    run: Run
    owner: RunOwner
    logs: Sequence[RunLog]
    rejected_total: int
    rejections: Sequence[Rejection]

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to finish; None while it has not both started and finished."""
        run = self.run
        if run.started_at is None or run.finished_at is None:
            return None
        return (run.finished_at - run.started_at).total_seconds()


class RunMonitor:
    """Lists runs and shows one run with its log lines and rejected records."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def list(self, where: RunFilter, *, limit: int = 50, cursor: str | None = None) -> RunPage:
        """Runs matching `where`, newest first; pass `next_cursor` back for the next page.

        Paged by id (keyset), so a page costs the same however deep it is; InvalidInput names
        the field of a bad status, trigger, time range, limit or cursor.
        """
        _check(where, limit)
        query = select(Run).order_by(Run.id.desc()).limit(limit + 1)
        if cursor is not None:
            query = query.where(Run.id < _cursor_id(cursor))
        if where.status is not None:
            query = query.where(Run.status == where.status)
        if where.trigger is not None:
            query = query.where(Run.trigger == where.trigger)
        if where.connector_id is not None:
            query = query.where(Run.connector_id == where.connector_id)
        if where.partner_id is not None:
            owned = select(ConnectorInstance.id).where(
                ConnectorInstance.partner_id == where.partner_id
            )
            query = query.where(Run.connector_id.in_(owned))
        if where.since is not None:
            query = query.where(Run.created_at >= where.since)
        if where.until is not None:
            query = query.where(Run.created_at < where.until)
        rows = self.session.scalars(query).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return RunPage(rows, str(rows[-1].id) if more else None)

    def owners(self, connector_ids: Iterable[int]) -> dict[int, RunOwner]:
        """The owner of each of these connectors, by connector id (one query; a connector's
        config is not loaded)."""
        query = (
            select(ConnectorInstance, Partner)
            .join(Partner, Partner.id == ConnectorInstance.partner_id)
            .where(ConnectorInstance.id.in_(set(connector_ids)))
            .options(
                load_only(
                    ConnectorInstance.id,
                    ConnectorInstance.partner_id,
                    ConnectorInstance.name,
                    ConnectorInstance.type,
                    ConnectorInstance.status,
                ),
                load_only(Partner.id, Partner.code, Partner.name),
            )
        )
        return {c.id: RunOwner(c, p) for c, p in self.session.execute(query).all()}

    def detail(self, run_id: int, *, rejections: int = 20, log_lines: int = 500) -> RunDetail:
        """The run with this id (NotFound otherwise) with its owner, its first `log_lines` log
        lines and the first `rejections` of its rejected records."""
        run = RunService(self.session).get(run_id)
        total = self.session.scalar(
            select(func.count()).select_from(Rejection).where(Rejection.run_id == run_id)
        )
        return RunDetail(
            run=run,
            owner=self.owners([run.connector_id])[run.connector_id],
            logs=self.session.scalars(
                select(RunLog).where(RunLog.run_id == run_id).order_by(RunLog.id).limit(log_lines)
            ).all(),
            rejected_total=total or 0,
            rejections=self.session.scalars(
                select(Rejection)
                .where(Rejection.run_id == run_id)
                .order_by(Rejection.id)
                .limit(rejections)
            ).all(),
        )


def run_detail_as_dict(detail: RunDetail) -> dict[str, Any]:
    """A run in full as JSON shows it: `run_as_dict` with its partner, duration in seconds, log
    lines, and its rejected records' total and first ones with their field errors."""
    answer = run_as_dict(detail.run)
    answer["partner_id"] = detail.owner.partner.id
    answer["duration_seconds"] = detail.duration_seconds
    answer["log"] = [
        {"at": line.at.isoformat(), "level": line.level, "logger": line.logger,
         "message": line.message}
        for line in detail.logs
    ]  # fmt: skip
    answer["rejections"] = {
        "total": detail.rejected_total,
        "first": [rejection_as_dict(r) for r in detail.rejections],
    }
    return answer


def _check(where: RunFilter, limit: int) -> None:
    problems: dict[str, list[str]] = {}
    if where.status is not None and where.status not in RUN_STATUSES:
        problems["status"] = [f"must be one of {', '.join(RUN_STATUSES)}"]
    if where.trigger is not None and where.trigger not in RUN_TRIGGERS:
        problems["trigger"] = [f"must be one of {', '.join(RUN_TRIGGERS)}"]
    for name in ("since", "until"):
        value = getattr(where, name)
        if value is not None and value.tzinfo is None:
            problems[name] = ["must carry a UTC offset"]
    if where.since and where.until and not problems and where.since >= where.until:
        problems["until"] = ["must be later than since"]
    if not 1 <= limit <= MAX_PAGE:
        problems["limit"] = [f"must be between 1 and {MAX_PAGE}"]
    if where.connector_id is not None and not 1 <= where.connector_id <= MAX_ID:
        problems["connector_id"] = [f"must be between 1 and {MAX_ID}"]
    if problems:
        field, messages = next(iter(problems.items()))
        raise InvalidInput(f"{field}: {messages[0]}", problems)


_RUN_IDS = range(MAX_ID + 1)


def _cursor_id(cursor: str) -> int:
    # ASCII digits only: `isdigit` alone also takes "²", which `int` refuses. A run's id is a
    # 32-bit key, so no cursor this list gave is beyond it (PostgreSQL refuses to compare).
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) not in _RUN_IDS:
        raise InvalidInput("cursor: not a cursor this list gave", {"cursor": ["not a cursor"]})
    return int(cursor)
