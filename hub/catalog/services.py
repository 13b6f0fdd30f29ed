"""Queries over stored records of one entity: filtered keyset pages, and one record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import NotFound
from hub.store.models import ENTITY_MODELS, EntityRecord
from hub.store.paging import Page, decode_cursor, page_of


class RecordReader:
    """Finds one entity's records. `partner_id` limits every query to that partner's records;
    None reaches every partner's."""

    def __init__(self, session: Session, entity: str, partner_id: str | None = None) -> None:
        self.session = session
        self.entity = entity
        self.model: type[EntityRecord] = ENTITY_MODELS[entity]
        self.partner_id = partner_id

    def page(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        partner_id: str | None = None,
        updated_since: datetime | None = None,
        status: str | None = None,
    ) -> Page[EntityRecord]:
        """Records in a stable order (by hub id), `limit` at a time, optionally of one partner,
        changed at or after `updated_since`, or in one `status`. Records deleted at the source
        are included, with `deleted_at` set, so a caller syncing by `updated_since` learns of
        deletions too."""
        model = self.model
        query = select(model).order_by(model.id).limit(limit + 1)
        if self.partner_id is not None:
            query = query.where(model.partner_id == self.partner_id)
        if partner_id is not None:
            query = query.where(model.partner_id == partner_id)
        if updated_since is not None:
            query = query.where(model.updated_at >= updated_since)
        if status is not None:
            query = query.where(model.status == status)  # type: ignore[attr-defined]
        if cursor is not None:
            query = query.where(model.id > decode_cursor(cursor, str))
        rows = self.session.scalars(query).all()
        return page_of(rows, limit, lambda row: row.id)

    def get(self, record_id: str) -> EntityRecord:
        """The record with this hub id."""
        record = self.session.get(self.model, record_id)
        if record is None or (self.partner_id is not None and record.partner_id != self.partner_id):
            raise NotFound(f"{self.entity}: no {self.entity} with id {record_id}")
        return record


def record_as_dict(record: EntityRecord, *, with_raw: bool) -> dict[str, Any]:
    """A record in the common schema: hub fields, then its normalized document (participants
    as `{ref, name}`); the raw source record only `with_raw` (for admins and its partner)."""
    document: dict[str, Any] = {
        "id": record.id,
        "partner_id": record.partner_id,
        "revision": record.revision,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "deleted_at": record.deleted_at.isoformat() if record.deleted_at else None,
        **record.data,
    }
    if with_raw:
        document["raw"] = record.raw
    return document
