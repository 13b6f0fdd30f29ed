"""Connector health as the overview shows it: the monitoring service's health of each connector,
with the connector and partner it names, worst state first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from hub.monitoring.health import ConnectorHealth, HealthService
from hub.store.models import ConnectorInstance, Partner

#: Health states, worst first: the order the overview lists them in.
STATES = ("failing", "late", "never", "paused", "fresh")
STATE_LABELS = {
    "failing": "Failing",
    "late": "Late",
    "never": "Never synced",
    "paused": "Paused",
    "fresh": "Fresh",
}


@dataclass(frozen=True, slots=True)
class HealthRow:
    """One connector's health beside the connector and its partner."""

    health: ConnectorHealth
    connector: ConnectorInstance
    partner: Partner

    @property
    def state(self) -> str:
        """fresh, late, failing, paused or never."""
        return self.health.state

    @property
    def label(self) -> str:
        """The state in words, for people (colour is never the only cue)."""
        return STATE_LABELS[self.health.state]

    @property
    def quality(self) -> float | None:
        """Share of records read in the latest runs that passed validation; None if none read."""
        rate = self.health.rejected_rate
        return None if rate is None else 1 - rate


def worst_first(row: HealthRow) -> tuple[int, int, str, str]:
    """Sort key: worst state, then longest failure streak, then partner and connector."""
    return (
        STATES.index(row.state),
        -row.health.failure_streak,
        row.partner.code,
        row.connector.name,
    )


def health_rows(
    session: Session, *, connector_id: int | None = None, now: datetime | None = None
) -> list[HealthRow]:
    """Every connector's health (or one connector's), worst first."""
    service = HealthService(session)
    found = (
        [service.connector(connector_id, now=now)]
        if connector_id is not None
        else service.overview(now=now)
    )
    # Only what the pages show: a connector's config (a JSON document) is not parsed here.
    query = (
        select(ConnectorInstance, Partner)
        .join(Partner, Partner.id == ConnectorInstance.partner_id)
        .options(
            load_only(
                ConnectorInstance.id,
                ConnectorInstance.name,
                ConnectorInstance.type,
                ConnectorInstance.status,
            ),
            load_only(Partner.id, Partner.code, Partner.name),
        )
    )
    if connector_id is not None:
        query = query.where(ConnectorInstance.id == connector_id)
    named = {c.id: (c, p) for c, p in session.execute(query).all()}
    rows = [HealthRow(h, *named[h.connector_id]) for h in found]
    return sorted(rows, key=worst_first)
