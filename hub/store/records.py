"""Idempotent upserts of normalized records, the change log, quarantine and deletion sweeps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    String,
    Table,
    any_,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from hub.store.bulk import BulkStatement
from hub.store.feed import hold_feed_order
from hub.store.models import ENTITY_MODELS, Base, Change, EntityRecord, Rejection, SweepSeen
from hub.store.types import utcnow

# Bound parameters per statement stay well under SQLite's limit (32,766) and PostgreSQL's (65,535).
_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class NormalizedRecord:
    """A valid record ready to store: its normalized document and the raw record it came from,
    each also serialized as JSON (once: the same bytes are hashed and stored)."""

    id: str
    external_id: str
    promoted: tuple[Any, ...]
    data_json: bytes
    raw_json: bytes
    raw_hash: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record that failed mapping or validation, with per-field errors (dotted paths)."""

    external_id: str | None
    raw: dict[str, Any]
    errors: dict[str, list[str]]


@dataclass(slots=True)
class UpsertResult:
    """What an upsert did: counts, and the external ids of the records it found stored."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    existing_ids: list[str] = field(default_factory=list)


#: The columns each entity keeps outside its document, for filters and constraints.
PROMOTED: dict[str, tuple[str, ...]] = {
    "course": ("title", "status", "price_idr"),
    "certificate": ("course_id", "certificate_number", "participant_ref", "status"),
    "payment": ("type", "status", "amount_idr", "transaction_code", "participant_ref"),
}


def promoted_values(entity: str, data: dict[str, Any]) -> tuple[Any, ...]:
    """The values of an entity's promoted columns, in `PROMOTED` order."""
    return tuple(
        data["participant"]["ref"] if column == "participant_ref" else data.get(column)
        for column in PROMOTED[entity]
    )


def one_of(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN values`, in the form each backend plans well.

    On PostgreSQL, one array parameter: a table filled by this very sync has no statistics yet,
    and with an IN list of a thousand parameters the planner expects every row to match and
    scans the whole table, batch after batch. `= ANY(array)` stays on the index.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    in_list: ColumnElement[bool] = column.in_(values)
    return in_list


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class RecordStore:
    """Writes one partner's records of one entity. The caller owns the transaction."""

    def __init__(
        self, session: Session, entity: str, partner_id: str, connector_id: int | None = None
    ) -> None:
        self.session = session
        self.entity = entity
        self.model: type[EntityRecord] = ENTITY_MODELS[entity]
        self.partner_id = partner_id
        self.connector_id = connector_id
        self._prepared: _Statements | None = None

    def unchanged_by_hash(self, raw_hashes: Sequence[str]) -> dict[str, str]:
        """Of these raw-record hashes, those already stored live: hash → external id."""
        model = self.model
        found: dict[str, str] = {}
        for chunk in _chunks(raw_hashes):
            rows = self.session.execute(
                select(model.raw_hash, model.external_id).where(
                    model.partner_id == self.partner_id,
                    one_of(self.session, model.raw_hash, chunk),
                    model.deleted_at.is_(None),
                )
            )
            found.update((raw_hash, ext) for raw_hash, ext in rows)
        return found

    def upsert(
        self, records: Sequence[NormalizedRecord], run_id: int | None = None
    ) -> UpsertResult:
        """Insert new records and update changed ones, each real change with a new revision and
        a change-log entry. A record whose document is unchanged keeps its revision."""
        model = self.model
        result = UpsertResult()
        latest = {r.external_id: r for r in records}  # the last copy of a repeated id wins
        existing: dict[str, tuple[str, int, datetime | None]] = {}
        for chunk in _chunks(list(latest)):
            rows = self.session.execute(
                select(
                    model.external_id, model.content_hash, model.revision, model.deleted_at
                ).where(
                    model.partner_id == self.partner_id,
                    one_of(self.session, model.external_id, chunk),
                )
            )
            existing.update((ext, (h, rev, deleted)) for ext, h, rev, deleted in rows)

        statements = self._statements()
        now = statements.insert.bind("created_at", utcnow())
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        touches: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        for ext, record in latest.items():
            hub_id = record.id
            raw_json = record.raw_json.decode()
            before = existing.get(ext)
            if before is None:
                revision = 1
                inserts.append(
                    (hub_id, self.partner_id, ext, self.connector_id, revision, now, now,
                     record.data_json.decode(), raw_json, record.raw_hash, record.content_hash,
                     *record.promoted)
                )  # fmt: skip
                result.created += 1
            elif before[0] == record.content_hash and before[2] is None:
                # The source reworded nothing that matters: keep the revision, remember the raw
                # form so the next sync skips it by hash.
                touches.append((raw_json, record.raw_hash, hub_id))
                result.unchanged += 1
                result.existing_ids.append(ext)
                continue
            else:
                revision = before[1] + 1
                updates.append(
                    (self.connector_id, revision, now, None, record.data_json.decode(), raw_json,
                     record.raw_hash, record.content_hash, *record.promoted,
                     hub_id)
                )  # fmt: skip
                result.updated += 1
                result.existing_ids.append(ext)
            changes.append((self.entity, hub_id, self.partner_id, "upsert", revision, run_id, now))

        statements.insert(inserts)
        statements.update(updates)
        statements.touch(touches)
        if latest:
            self._resolve_rejections(list(latest), utcnow())
        if changes:
            hold_feed_order(self.session)
            statements.change(changes)
        return result

    def quarantine(self, rejected: Sequence[RejectedRecord], run_id: int | None = None) -> None:
        """Keep refused records with their errors, for a person to read and a later sync to
        re-process."""
        if not rejected:
            return
        now = utcnow()
        self.session.execute(
            insert(Rejection),
            [
                {
                    "run_id": run_id,
                    "partner_id": self.partner_id,
                    "entity": self.entity,
                    "external_id": r.external_id,
                    "raw": r.raw,
                    "errors": r.errors,
                    "created_at": now,
                }
                for r in rejected
            ],
        )

    def mark_seen(self, sweep_id: str, external_ids: Iterable[str]) -> None:
        """Remember that a full-refresh sweep saw these stored records at the source."""
        # A resumed sweep re-reads the page it was on: seeing a record twice is no conflict.
        self._statements().seen([(sweep_id, ext) for ext in set(external_ids)])

    def delete_unseen(
        self, sweep_id: str, sweep_started_at: datetime, run_id: int | None = None
    ) -> int:
        """After a complete sweep: mark deleted what this connector stored before the sweep
        began and the sweep did not see, each with a new revision and a `delete` change.
        Records created during the sweep were seen by it, so they need no mark. Returns how
        many."""
        model = self.model
        # NOT EXISTS, not NOT IN: PostgreSQL plans it as an anti-join, where NOT IN over a
        # large sweep falls back to a subplan re-scanned for every row.
        seen = select(SweepSeen.external_id).where(
            SweepSeen.sweep_id == sweep_id, SweepSeen.external_id == model.external_id
        )
        gone = self.session.execute(
            select(model.id, model.revision).where(
                model.partner_id == self.partner_id,
                model.connector_id == self.connector_id,
                model.deleted_at.is_(None),
                model.created_at < sweep_started_at,
                ~seen.exists(),
            )
        ).all()
        now = utcnow()
        for chunk in _chunks(gone):
            self.session.execute(
                update(model),
                [
                    {"id": hub_id, "revision": rev + 1, "deleted_at": now, "updated_at": now}
                    for hub_id, rev in chunk
                ],
            )
        if gone:
            # After the row updates: the feed lock is the last lock a writer takes.
            hold_feed_order(self.session)
        for chunk in _chunks(gone):
            self.session.execute(
                insert(Change),
                [self._change(hub_id, "delete", rev + 1, run_id, now) for hub_id, rev in chunk],
            )
        return len(gone)

    def _statements(self) -> _Statements:
        if self._prepared is None:
            table = Base.metadata.tables[self.model.__tablename__]
            self._prepared = _Statements(self.session, table, self.entity)
        return self._prepared

    def _change(
        self, hub_id: str, op: str, revision: int, run_id: int | None, now: datetime
    ) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "entity_id": hub_id,
            "partner_id": self.partner_id,
            "op": op,
            "revision": revision,
            "run_id": run_id,
            "created_at": now,
        }

    def _resolve_rejections(self, external_ids: Sequence[str], now: datetime) -> None:
        for chunk in _chunks(external_ids):
            self.session.execute(
                update(Rejection)
                .where(
                    Rejection.partner_id == self.partner_id,
                    Rejection.entity == self.entity,
                    one_of(self.session, Rejection.external_id, chunk),
                    Rejection.resolved_at.is_(None),
                )
                .values(resolved_at=now)
            )


def forget_sweep(session: Session, sweep_id: str) -> None:
    """Drop what a sweep remembered, once it is complete or abandoned."""
    session.execute(delete(SweepSeen).where(SweepSeen.sweep_id == sweep_id))


class _Statements:
    """The bulk statements of one entity's sync path, built once per store."""

    def __init__(self, session: Session, table: Table, entity: str) -> None:
        promoted = PROMOTED[entity]
        document = ("data", "raw", "raw_hash", "content_hash", *promoted)
        self.insert = BulkStatement(
            session,
            table,
            ("id", "partner_id", "external_id", "connector_id", "revision", "created_at",
             "updated_at", *document),
        )  # fmt: skip
        self.update = BulkStatement(
            session,
            table,
            ("connector_id", "revision", "updated_at", "deleted_at", *document),
            key=("id",),
        )
        self.touch = BulkStatement(session, table, ("raw", "raw_hash"), key=("id",))
        self.change = BulkStatement(
            session,
            Base.metadata.tables[Change.__tablename__],
            ("entity", "entity_id", "partner_id", "op", "revision", "run_id", "created_at"),
        )
        self.seen = BulkStatement(
            session,
            Base.metadata.tables[SweepSeen.__tablename__],
            ("sweep_id", "external_id"),
            skip_conflicts=True,
        )
