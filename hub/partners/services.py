"""Onboarding and listing of partners."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import marshmallow
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import Conflict, InvalidInput, NotFound
from hub.store import ids
from hub.store.models import Partner
from hub.store.types import utcnow
from schemas import PARTNER_SCHEMA, flatten_errors


class PartnerService:
    """Creates and finds partners. The caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, data: Mapping[str, Any]) -> Partner:
        """Validate and store a new partner; its id is derived from its code."""
        try:
            valid = PARTNER_SCHEMA().load(dict(data))
        except marshmallow.ValidationError as error:
            raise InvalidInput("invalid partner", flatten_errors(error.messages)) from error
        if self.session.scalar(select(Partner.id).where(Partner.code == valid["code"])):
            raise Conflict(f"code: a partner with code {valid['code']!r} exists already")
        now = utcnow()
        partner = Partner(
            id=ids.partner_id(valid["code"]),
            kind=valid["kind"],
            code=valid["code"],
            name=valid["name"],
            status=valid.get("status", "active"),
            contact=valid.get("contact"),
            created_at=now,
            updated_at=now,
        )
        self.session.add(partner)
        self.session.flush()
        return partner

    def get(self, ref: str) -> Partner:
        """The partner with this id or code."""
        partner = self.session.scalar(
            select(Partner).where((Partner.id == ref) | (Partner.code == ref))
        )
        if partner is None:
            raise NotFound(f"partner: no partner with id or code {ref!r}")
        return partner

    def list(self) -> Sequence[Partner]:
        """All partners, by code."""
        return self.session.scalars(select(Partner).order_by(Partner.code)).all()
