"""Queries over stored records of one entity: filtered keyset pages, and one record, each
record already in its answer's JSON form.

A page of a hundred courses is the platforms' hot path. The stored document is canonical JSON
text, so it leaves as stored, with the hub's fields spliced in front of it (times formatted by
the database): no document is parsed or serialized again on the way out.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    Connection,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)

from hub.changes.services import latest_position
from hub.errors import NotFound
from hub.store.models import ENTITY_MODELS, EntityRecord
from hub.store.paging import Page, decode_cursor, page_of

#: `raw_of` value: the raw source record of every partner's records (an admin reads).
EVERY_PARTNER = "*"


class RecordRow(NamedTuple):
    """A record as the API answers it: its hub id, its JSON, and whether that holds `raw`."""

    id: str
    json: str
    with_raw: bool


class RecordReader:
    """Finds one entity's records. `partner_id` limits every query to that partner's records
    (None reaches every partner's); the raw source record comes along only for the records of
    partner `raw_of` (`EVERY_PARTNER` for all, None for none)."""

    def __init__(
        self,
        connection: Connection,
        entity: str,
        *,
        partner_id: str | None = None,
        raw_of: str | None = None,
    ) -> None:
        self.connection = connection
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
    ) -> Page[RecordRow]:
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
        rows = [
            RecordRow(row[0], _record_text(row), row[-1] is not None)
            for row in self.connection.execute(query)
        ]
        return page_of(rows, limit, lambda row: row.id)

    def get(self, record_id: str) -> str:
        """The record with this hub id, as JSON."""
        model = self.model
        query = self._select().where(model.id == record_id)
        if self.partner_id is not None:
            query = query.where(model.partner_id == self.partner_id)
        row = self.connection.execute(query).first()
        if row is None:
            raise NotFound(f"{self.entity}: no {self.entity} with id {record_id}")
        return _record_text(row)

    def _select(self) -> Any:
        """SELECT id, <the record as the API shows it, as JSON text>: built once per entity,
        backend and kind of raw access (building it costs more than running it)."""
        postgres = self.connection.dialect.name == "postgresql"
        raw = "all" if self.raw_of == EVERY_PARTNER else "none" if self.raw_of is None else "own"
        query = _record_select(self.entity, postgres, raw)
        if raw == "own":
            query = query.params(raw_of=self.raw_of)
        return query


@functools.cache
def _record_select(entity: str, postgres: bool, raw: str) -> Any:
    model = ENTITY_MODELS[entity]
    raw_text = cast(model.raw, Text) if postgres else type_coerce(model.raw, Text)
    with_raw: Any = {
        "none": literal(None, Text),
        "all": raw_text,
        "own": case((model.partner_id == bindparam("raw_of"), raw_text)),
    }[raw]
    return select(
        model.id,
        model.partner_id,
        model.revision,
        _iso(model.created_at, postgres),
        _iso(model.updated_at, postgres),
        _iso(model.deleted_at, postgres),
        cast(model.data, Text) if postgres else type_coerce(model.data, Text),
        with_raw,
    )


def _record_text(row: Any) -> str:
    """A record in the common schema v1, as JSON: the hub's fields, then its normalized document
    (participants as `{ref, name}`), then `raw` when the reader may see it."""
    record_id, partner_id, revision, created_at, updated_at, deleted_at, data, raw = row
    deleted = "null" if deleted_at is None else f'"{deleted_at}"'
    # Hub ids are UUIDs and the times ISO 8601: nothing in them needs escaping. The document's
    # keys never clash with the hub's (the schema refuses hub-managed fields on input).
    text = (
        f'{{"id":"{record_id}","partner_id":"{partner_id}","revision":{revision},'
        f'"created_at":"{created_at}","updated_at":"{updated_at}","deleted_at":{deleted},'
        + data[1:]
    )
    if raw is not None:
        text = text[:-1] + ',"raw":' + raw + "}"
    return text


def _iso(column: Any, postgres: bool) -> Any:
    """A stored UTC time as ISO 8601 text with its offset, formatted by the database."""
    if postgres:
        return func.to_char(
            func.timezone("UTC", column), literal('YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
        )
    # SQLite keeps UTC times as `YYYY-MM-DD HH:MM:SS.ffffff`.
    return func.replace(type_coerce(column, Text), " ", "T").op("||")("+00:00")


class Body(NamedTuple):
    """An answer's bytes and their entity tag (`body_tag`)."""

    data: bytes
    tag: str


def body_tag(data: bytes) -> str:
    """A strong entity tag of these bytes: a 128-bit BLAKE2b digest, in hex."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def page_json(page: Page[RecordRow]) -> bytes:
    """A page of records as the API answers it: `{"data": [...], "next_cursor": ...}`."""
    data = ",".join(row.json for row in page.items).encode()
    return b'{"data":[' + data + b'],"next_cursor":' + orjson.dumps(page.next_cursor) + b"}"


class PageCache:
    """Record pages answered by this process, each kept with the change-feed position it was
    read at and served again while the feed has not moved.

    A page is kept with its entity tag, so a page served from memory is not hashed again.

    Every real change to a record writes a change-log entry in the same transaction, so an
    unmoved feed means an unchanged page; the one exception is a record's raw copy, refreshed
    without a new revision when the source rewords nothing that matters, so pages holding raw
    copies are never kept. A page read after the position was taken may hold newer data than
    that position: it is never older than what the next caller could read.
    """

    def __init__(self, entries: int = 256) -> None:
        self.entries = entries
        self._pages: OrderedDict[Hashable, tuple[int, Body]] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, reader: RecordReader, *, position: int | None = None, **filters: Any) -> Body:
        """`page_json(reader.page(**filters))` and its tag, from memory when the feed has not
        moved. `position` is the feed's position read before this call (the API reads it with
        the caller's token, in one round trip); when None, it is read here."""
        key = (reader.entity, reader.partner_id, reader.raw_of, *sorted(filters.items()))
        if position is None:
            position = latest_position(reader.connection)
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None and kept[0] == position:
                self._pages.move_to_end(key)
                return kept[1]
        page = reader.page(**filters)
        data = page_json(page)
        body = Body(data, body_tag(data))
        if not any(row.with_raw for row in page.items):
            with self._lock:
                self._pages[key] = (position, body)
                self._pages.move_to_end(key)
                while len(self._pages) > self.entries:
                    self._pages.popitem(last=False)
        return body
