"""Reading runs: the list an operator scans and the record of one run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.errors import NotFound
from hub.store.models import ConnectorInstance, Rejection, Run
from hub.store.paging import Page, decode_cursor, page_of


class RunService:
    """Finds runs and their rejected records. `partner_id` limits every query to the runs of
    that partner's connectors; None reaches every partner's."""

    def __init__(self, session: Session, partner_id: str | None = None) -> None:
        self.session = session
        self.partner_id = partner_id

    def list(
        self, *, connector_id: int | None = None, status: str | None = None, limit: int = 50
    ) -> Sequence[Run]:
        """The newest runs first, optionally of one connector or status."""
        query = select(Run).order_by(Run.id.desc()).limit(limit)
        if self.partner_id is not None:
            query = query.join(ConnectorInstance).where(
                ConnectorInstance.partner_id == self.partner_id
            )
        if connector_id is not None:
            query = query.where(Run.connector_id == connector_id)
        if status is not None:
            query = query.where(Run.status == status)
        return self.session.scalars(query).all()

    def get(self, run_id: int) -> Run:
        """The run with this id."""
        run = self.session.get(Run, run_id)
        if run is None or not self._reaches(run):
            raise NotFound(f"run: no run with id {run_id}")
        return run

    def rejections(
        self, run_id: int, limit: int = 20, cursor: str | None = None
    ) -> tuple[int, Page[Rejection]]:
        """How many records the run quarantined, and `limit` of them in order."""
        self.get(run_id)
        total = self.session.scalar(
            select(func.count()).select_from(Rejection).where(Rejection.run_id == run_id)
        )
        query = (
            select(Rejection)
            .where(Rejection.run_id == run_id)
            .order_by(Rejection.id)
            .limit(limit + 1)
        )
        if cursor is not None:
            query = query.where(Rejection.id > decode_cursor(cursor, int))
        rows = self.session.scalars(query).all()
        return total or 0, page_of(rows, limit, lambda rejection: rejection.id)

    def _reaches(self, run: Run) -> bool:
        if self.partner_id is None:
            return True
        owner = self.session.scalar(
            select(ConnectorInstance.partner_id).where(ConnectorInstance.id == run.connector_id)
        )
        return owner == self.partner_id


def run_as_dict(run: Run) -> dict[str, Any]:
    """A run as the CLI's --json and the API show it."""
    return {
        "id": run.id,
        "connector_id": run.connector_id,
        "stream": run.stream,
        "trigger": run.trigger,
        "mode": run.mode,
        "status": run.status,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "counts": {
            "read": run.records_read,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "deleted": run.deleted,
            "rejected": run.rejected,
        },
        "error": {"code": run.error_code, "message": run.error_message} if run.error_code else None,
        "state": run.state,
    }


def rejection_as_dict(rejection: Rejection) -> dict[str, Any]:
    """A quarantined record as the CLI's --json and the API show it."""
    return {
        "id": rejection.id,
        "run_id": rejection.run_id,
        "entity": rejection.entity,
        "external_id": rejection.external_id,
        "errors": rejection.errors,
        "raw": rejection.raw,
        "created_at": _iso(rejection.created_at),
        "resolved_at": _iso(rejection.resolved_at),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
