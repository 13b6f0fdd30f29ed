"""Queries over stored records of one entity: filtered keyset pages, and one record, each
record already in its answer's JSON form.

A page of a hundred courses is the platforms' hot path. The database builds each record's JSON
(the hub's fields merged into the stored document) in one expression per row: no document is
parsed or serialized in Python on the way out.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from hub.errors import NotFound
from hub.store.models import ENTITY_MODELS, EntityRecord
from hub.store.paging import Page, decode_cursor, page_of

#: `raw_of` value: the raw source record of every partner's records (an admin reads).
EVERY_PARTNER = "*"


class RecordReader:
    """Finds one entity's records. `partner_id` limits every query to that partner's records
    (None reaches every partner's); the raw source record comes along only for the records of
    partner `raw_of` (`EVERY_PARTNER` for all, None for none)."""

    def __init__(
        self,
        session: Session,
        entity: str,
        *,
        partner_id: str | None = None,
        raw_of: str | None = None,
    ) -> None:
        self.session = session
        self.entity = entity
        self.model: type[EntityRecord] = ENTITY_MODELS[entity]
        self.partner_id = partner_id
        self.raw_of = raw_of

    def page(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        partner_id: str | None = None,
        updated_since: datetime | None = None,
        status: str | None = None,
    ) -> Page[tuple[str, str]]:
        """Records in a stable order (by hub id), `limit` at a time, optionally of one partner,
        changed at or after `updated_since`, or in one `status`. Records deleted at the source
        are included, with `deleted_at` set, so a caller syncing by `updated_since` learns of
        deletions too."""
        model = self.model
        query = self._select().order_by(model.id).limit(limit + 1)
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
        rows = [(row[0], row[1]) for row in self.session.execute(query)]
        return page_of(rows, limit, lambda row: row[0])

    def get(self, record_id: str) -> str:
        """The record with this hub id, as JSON."""
        model = self.model
        query = self._select().where(model.id == record_id)
        if self.partner_id is not None:
            query = query.where(model.partner_id == self.partner_id)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"{self.entity}: no {self.entity} with id {record_id}")
        return str(row[1])

    def _select(self) -> Any:
        """SELECT id, <the record as the API shows it, as JSON text>: built once per entity,
        backend and kind of raw access (building it costs more than running it)."""
        postgres = self.session.get_bind().dialect.name == "postgresql"
        raw = "all" if self.raw_of == EVERY_PARTNER else "none" if self.raw_of is None else "own"
        query = _record_select(self.entity, postgres, raw)
        if raw == "own":
            query = query.params(raw_of=self.raw_of)
        return query


@functools.cache
def _record_select(entity: str, postgres: bool, raw: str) -> Any:
    model = ENTITY_MODELS[entity]
    build = func.jsonb_build_object if postgres else func.json_object
    hub_fields = build(
        "id", model.id,
        "partner_id", model.partner_id,
        "revision", model.revision,
        "created_at", _iso(model.created_at, postgres),
        "updated_at", _iso(model.updated_at, postgres),
        "deleted_at", _iso(model.deleted_at, postgres),
    )  # fmt: skip
    if postgres:
        document: Any = hub_fields.op("||")(model.data)
        with_raw = document.op("||")(build("raw", model.raw))
    else:
        # SQLite keeps each document as JSON text: splice the objects' texts (json_patch
        # would drop every null field, as a merge patch does). Keys never clash: the schema
        # refuses hub-managed fields on input.
        document = (
            _without_last(hub_fields)
            .op("||")(",")
            .op("||")(func.substr(type_coerce(model.data, Text), 2))
        )
        with_raw = (
            _without_last(document)
            .op("||")(',"raw":')
            .op("||")(type_coerce(model.raw, Text))
            .op("||")("}")
        )
    chosen = {
        "none": document,
        "all": with_raw,
        "own": case((model.partner_id == bindparam("raw_of"), with_raw), else_=document),
    }[raw]
    return select(model.id, cast(chosen, Text) if postgres else type_coerce(chosen, Text))


def _without_last(text: Any) -> Any:
    """A JSON object's text without its closing brace."""
    return func.substr(text, 1, func.length(text) - 1)


def _iso(column: Any, postgres: bool) -> Any:
    """A stored UTC time as ISO 8601 text with its offset, formatted by the database."""
    if postgres:
        return func.to_char(
            func.timezone("UTC", column), literal('YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
        )
    # SQLite keeps UTC times as `YYYY-MM-DD HH:MM:SS.ffffff`.
    return func.replace(type_coerce(column, Text), " ", "T").op("||")("+00:00")


def page_json(page: Page[tuple[str, str]]) -> bytes:
    """A page of records as the API answers it: `{"data": [...], "next_cursor": ...}`."""
    data = ",".join(document for _, document in page.items).encode()
    return b'{"data":[' + data + b'],"next_cursor":' + orjson.dumps(page.next_cursor) + b"}"
