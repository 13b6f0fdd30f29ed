"""Connector health as the overview shows it: the monitoring service's health of each connector,
with the connector and partner it names, worst state first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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
class ConnectorLabel:
    """What the pages show of a connector beside its health."""

    id: int
    name: str
    type: str
    status: str


@dataclass(frozen=True, slots=True)
class PartnerLabel:
    """What the pages show of a connector's partner."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class HealthRow:
    """One connector's health beside the connector and its partner."""

    health: ConnectorHealth
    connector: ConnectorLabel
    partner: PartnerLabel

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
    # Only the columns the pages show, as plain rows: no config (a JSON document) parsed, no
    # ORM identity kept per connector.
    c = ConnectorInstance
    query = select(c.id, c.name, c.type, c.status, Partner.code, Partner.name).join(
        Partner, Partner.id == c.partner_id
    )
    if connector_id is not None:
        query = query.where(c.id == connector_id)
    named = {
        row[0]: (ConnectorLabel(*row[:4]), PartnerLabel(*row[4:])) for row in session.execute(query)
    }
    rows = [HealthRow(h, *named[h.connector_id]) for h in found]
    return sorted(rows, key=worst_first)
