"""A run's notices (skipped records, schema drift), added up and kept with the run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import connectors
from hub.store.models import Run, RunNotice

NoticeCounts = dict[tuple[str, str], int]


def count_notice(counts: NoticeCounts, notice: connectors.Notice) -> None:
    """Add `notice` to `counts`, by (code, message)."""
    key = (notice.code, notice.message[:1000])
    counts[key] = counts.get(key, 0) + notice.count


class NoticeLog:
    """A run's notice rows; `add` writes counts in the session's transaction, so they commit with
    the batch that met them."""

    def __init__(self, session: Session, run: Run) -> None:
        self.session = session
        self.run = run
        self.rows: dict[tuple[str, str], RunNotice] = {}

    def add(self, counts: NoticeCounts) -> None:
        """Add `counts` to the run's notice rows."""
        for key, count in counts.items():
            row = self.rows.get(key)
            if row is None:
                row = RunNotice(run_id=self.run.id, code=key[0], message=key[1], count=0)
                self.session.add(row)
                self.rows[key] = row
            row.count += count


def run_notices(session: Session, run_id: int) -> list[dict[str, object]]:
    """A run's notices as the CLI and the API show them, in the order they were first met."""
    rows = session.scalars(
        select(RunNotice).where(RunNotice.run_id == run_id).order_by(RunNotice.id)
    )
    return [{"code": row.code, "message": row.message, "count": row.count} for row in rows]
