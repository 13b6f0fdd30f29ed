"""A run's notices (skipped records, schema drift), added up and kept with the run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import connectors
from hub.store.models import Run, RunNotice


class NoticeLog:
    """Adds up a run's notices by (code, message); `flush` writes them in the session's
    transaction, so they commit with the batch that met them."""

    def __init__(self, session: Session, run: Run) -> None:
        self.session = session
        self.run = run
        self.pending: dict[tuple[str, str], int] = {}
        self.rows: dict[tuple[str, str], RunNotice] = {}

    def note(self, notice: connectors.Notice) -> None:
        """Count `notice` towards the run."""
        key = (notice.code, notice.message[:1000])
        self.pending[key] = self.pending.get(key, 0) + notice.count

    def flush(self) -> None:
        """Add the pending counts to the run's notice rows."""
        for key, count in self.pending.items():
            row = self.rows.get(key)
            if row is None:
                row = RunNotice(run_id=self.run.id, code=key[0], message=key[1], count=0)
                self.session.add(row)
                self.rows[key] = row
            row.count += count
        self.pending.clear()


def run_notices(session: Session, run_id: int) -> list[dict[str, object]]:
    """A run's notices as the CLI and the API show them, in the order they were first met."""
    rows = session.scalars(
        select(RunNotice).where(RunNotice.run_id == run_id).order_by(RunNotice.id)
    )
    return [{"code": row.code, "message": row.message, "count": row.count} for row in rows]
