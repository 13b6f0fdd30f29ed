"""Common-schema records as a partner pushes them, and a count of every table's rows (to show
that a refused request stored nothing): shared by the ingestion service and API tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.store.models import Base

#: A NIK of valid structure (never a real person's).
NIK = "3201010101900001"


def course(n: int, **changes: Any) -> dict[str, Any]:
    """A valid course `K-<n>`, with `changes` applied."""
    return {
        "external_id": f"K-{n}",
        "title": f"Pemasaran Digital {n}",
        "delivery_mode": "self_paced",
        "duration_hours": 16,
        "price_idr": 1_500_000,
        **changes,
    }


def certificate(n: int) -> dict[str, Any]:
    """A valid certificate `S-<n>` of course `K-1`."""
    return {
        "external_id": f"S-{n}",
        "certificate_number": f"SRT-{n:05d}",
        "course_external_id": "K-1",
        "participant": {"nik": NIK, "name": f"Peserta {n}"},
        "redeem_code": f"PRAT-{n:07d}",
        "completed_at": "2026-03-01T16:00:00+07:00",
        "issued_at": "2026-03-02T09:00:00+07:00",
        "attendance": {"sessions_attended": 10, "sessions_total": 10},
    }


def row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Rows in every table, by table name."""
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
