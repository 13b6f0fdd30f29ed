"""Registering partners' connectors: a connector type plus a config validated before it is
stored, its secrets encrypted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import connectors
from hub.connections.secrets import ConfigSealer
from hub.errors import Conflict, InvalidInput, NotFound
from hub.partners.services import PartnerService
from hub.store.models import ConnectorInstance
from hub.store.paging import Page, decode_cursor, page_of
from hub.store.types import utcnow

SOURCE_TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


class ConnectorService:
    """Adds, finds and checks configured connectors. The caller owns the transaction. What
    handles secrets takes the `ConfigSealer` holding the key."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        partner_ref: str,
        type_name: str,
        config: Mapping[str, Any],
        *,
        sealer: ConfigSealer,
        name: str | None = None,
        timezone: str = "Asia/Jakarta",
    ) -> ConnectorInstance:
        """Validate `config` against the type's config spec and store the connector.

        Nothing is stored when the type is unknown or the config is malformed. Secret values
        are stored encrypted.
        """
        partner = PartnerService(self.session).get(partner_ref)
        connector_type = self._valid_config(type_name, config)
        if timezone not in SOURCE_TIMEZONES:
            message = f"must be one of {', '.join(SOURCE_TIMEZONES)}"
            raise InvalidInput(f"timezone: {message}", {"timezone": [message]})
        name = name or type_name
        duplicate = self.session.scalar(
            select(ConnectorInstance.id).where(
                ConnectorInstance.partner_id == partner.id, ConnectorInstance.name == name
            )
        )
        if duplicate is not None:
            raise Conflict(f"name: partner {partner.code} has a connector named {name!r} already")
        now = utcnow()
        instance = ConnectorInstance(
            partner_id=partner.id,
            name=name,
            type=type_name,
            # Kept as given, so a later version of the type loads it with its own defaults.
            config=sealer.seal(connector_type, config),
            timezone=timezone,
            status="active",
            created_at=now,
            updated_at=now,
        )
        self.session.add(instance)
        self.session.flush()
        return instance

    def get(self, connector_id: int) -> ConnectorInstance:
        """The connector with this id."""
        instance = self.session.get(ConnectorInstance, connector_id)
        if instance is None:
            raise NotFound(f"connector: no connector with id {connector_id}")
        return instance

    def list(self, partner_ref: str | None = None) -> Sequence[ConnectorInstance]:
        """Connectors, optionally of one partner, by id."""
        query = select(ConnectorInstance).order_by(ConnectorInstance.id)
        if partner_ref is not None:
            partner = PartnerService(self.session).get(partner_ref)
            query = query.where(ConnectorInstance.partner_id == partner.id)
        return self.session.scalars(query).all()

    def page(
        self, *, limit: int, cursor: str | None = None, partner_id: str | None = None
    ) -> Page[ConnectorInstance]:
        """Connectors by id, `limit` at a time, optionally of one partner (by id)."""
        query = select(ConnectorInstance).order_by(ConnectorInstance.id).limit(limit + 1)
        if partner_id is not None:
            query = query.where(ConnectorInstance.partner_id == partner_id)
        if cursor is not None:
            query = query.where(ConnectorInstance.id > decode_cursor(cursor, int))
        return page_of(self.session.scalars(query).all(), limit, lambda c: c.id)

    def reconfigure(
        self, connector_id: int, config: Mapping[str, Any], *, sealer: ConfigSealer
    ) -> ConnectorInstance:
        """Replace a connector's config with a new one, validated and sealed like `add`'s."""
        instance = self.get(connector_id)
        connector_type = self._valid_config(instance.type, config)
        instance.config = sealer.seal(connector_type, config)
        instance.updated_at = utcnow()
        self.session.flush()
        return instance

    def _valid_config(
        self, type_name: str, config: Mapping[str, Any]
    ) -> type[connectors.Connector]:
        try:
            connector_type = connectors.get_connector_type(type_name)
        except LookupError as error:
            raise InvalidInput(str(error), {"type": [str(error)]}) from error
        try:
            connectors.load_config(connector_type, config)
        except connectors.ConfigError as error:
            raise InvalidInput(f"invalid {type_name} config", error.errors) from error
        return connector_type

    def check(self, connector_id: int, *, sealer: ConfigSealer) -> None:
        """Reach the connector's source with its credentials; raise the classified
        `connectors.ConnectorError` when that fails."""
        instance = self.get(connector_id)
        connectors.get_connector_type(instance.type)().check(sealer.config(instance))


def connector_as_dict(instance: ConnectorInstance) -> dict[str, Any]:
    """A connector as the CLI's --json and the API show it: secrets in its config are masked
    (never decrypted)."""
    try:
        config = connectors.redact_config(
            connectors.get_connector_type(instance.type), instance.config
        )
    except LookupError:
        config = None  # its type is no longer installed: show nothing rather than secrets
    return {
        "id": instance.id,
        "partner_id": instance.partner_id,
        "name": instance.name,
        "type": instance.type,
        "status": instance.status,
        "timezone": instance.timezone,
        "config": config,
        "created_at": instance.created_at.isoformat(),
        "updated_at": instance.updated_at.isoformat(),
    }
