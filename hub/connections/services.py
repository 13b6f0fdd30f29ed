"""Registering partners' connectors: a connector type plus a config validated before it is
stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import connectors
from hub.errors import Conflict, InvalidInput, NotFound
from hub.partners.services import PartnerService
from hub.store.models import ConnectorInstance
from hub.store.types import utcnow

SOURCE_TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


class ConnectorService:
    """Adds and finds configured connectors. The caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        partner_ref: str,
        type_name: str,
        config: Mapping[str, Any],
        *,
        name: str | None = None,
        timezone: str = "Asia/Jakarta",
    ) -> ConnectorInstance:
        """Validate `config` against the type's config spec and store the connector.

        Nothing is stored when the type is unknown or the config is malformed.
        """
        partner = PartnerService(self.session).get(partner_ref)
        try:
            connector_type = connectors.get_connector_type(type_name)
        except LookupError as error:
            raise InvalidInput(str(error), {"type": [str(error)]}) from error
        try:
            connectors.load_config(connector_type, config)
        except connectors.ConfigError as error:
            raise InvalidInput(f"invalid {type_name} config", error.errors) from error
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
            config=dict(config),
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
