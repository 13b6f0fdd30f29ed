"""Registering the sandbox's partners and their connectors in the hub.

Idempotent: a partner that exists is reused, and its connector named `sandbox` gets the
definition for the sandbox's current address (a restarted sandbox may listen elsewhere), so
registering again never creates a second partner or connector.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import connectors
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.errors import NotFound
from hub.partners.services import PartnerService
from hub.sandbox.definitions import CONNECTOR_TYPE, definition
from hub.sandbox.population import World
from hub.store.models import ConnectorInstance, Run
from hub.store.types import utcnow
from hub.sync.runner import SyncRunner

CONNECTOR_NAME = "sandbox"


@dataclass(frozen=True, slots=True)
class Registered:
    """A sandbox partner as registered in the hub."""

    partner_code: str
    partner_id: str
    connector_id: int
    streams: tuple[str, ...]
    created: bool


def register_sandbox(
    session: Session, world: World, base_url: str, sealer: ConfigSealer
) -> list[Registered]:
    """Register every partner of `world` and its connector for the sandbox at `base_url`.

    The caller owns the transaction. Partners and connectors that exist are reused; their
    configs are stored sealed by `sealer`, like every connector's.
    """
    partners = PartnerService(session)
    service = ConnectorService(session)
    registered = []
    connector_type = connectors.get_connector_type(CONNECTOR_TYPE)
    for partner in world.partners:
        created = False
        try:
            stored = partners.get(partner.code)
        except NotFound:
            stored = partners.create(
                {"kind": partner.kind, "code": partner.code, "name": partner.name}
            )
            created = True
        config = definition(partner, base_url)
        instance = session.scalar(
            select(ConnectorInstance).where(
                ConnectorInstance.partner_id == stored.id,
                ConnectorInstance.name == CONNECTOR_NAME,
            )
        )
        if instance is None:
            instance = service.add(
                partner.code,
                CONNECTOR_TYPE,
                config,
                sealer=sealer,
                name=CONNECTOR_NAME,
                timezone=partner.zone,
            )
            created = True
        elif sealer.open(connector_type, instance.config) != config:
            service.reconfigure(instance.id, config, sealer=sealer)
        if instance.timezone != partner.zone:
            instance.timezone = partner.zone
            instance.updated_at = utcnow()
        registered.append(
            Registered(partner.code, stored.id, instance.id, partner.streams, created)
        )
    session.flush()
    return registered


def sync_registered(
    runner: SyncRunner,
    registered: Iterable[Registered],
    streams: Collection[str] | None = None,
) -> list[tuple[Registered, str, Run]]:
    """Run every stream (or those named in `streams`) of each registered partner's connector,
    one after another; each partner, stream and its finished run."""
    runs = []
    for entry in registered:
        for stream in entry.streams:
            if streams is None or stream in streams:
                runs.append((entry, stream, runner.run(entry.connector_id, stream)))
    return runs
