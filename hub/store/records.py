"""Idempotent upserts of normalized records, the change log, quarantine and deletion sweeps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Table, cast, delete, func, insert, select, text, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.store.bulk import BulkColumns, BulkQuery, BulkStatement
from hub.store.feed import hold_feed_order
from hub.store.models import ENTITY_MODELS, Base, Change, EntityRecord, Rejection, SweepSeen
from hub.store.types import utcnow

# Bound parameters per statement stay well under SQLite's limit (32,766) and PostgreSQL's (65,535).
_CHUNK = 2000
#: Records written by one run after which PostgreSQL's statistics of the table are refreshed.
_ANALYZE_AFTER = 10_000


# Not frozen: a frozen dataclass sets each field through object.__setattr__, ~0.5 µs a record.
@dataclass(slots=True)
class NormalizedRecord:
    """A valid record ready to store: its normalized document and the raw record it came from,
    each serialized as JSON once (the same text is hashed and stored)."""

    id: str
    external_id: str
    promoted: tuple[Any, ...]
    data_json: str
    raw_json: str
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


def promoted_getter(entity: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function from a normalized document of `entity` to the values of its promoted columns,
    in `PROMOTED` order. Every field is present in a normalized document."""
    columns = PROMOTED[entity]
    if "participant_ref" not in columns:
        get: Callable[[dict[str, Any]], tuple[Any, ...]] = itemgetter(*columns)
        return get
    fields = itemgetter(*(c for c in columns if c != "participant_ref"))
    place = columns.index("participant_ref")

    def values(data: dict[str, Any]) -> tuple[Any, ...]:
        found = fields(data)
        return (*found[:place], data["participant"]["ref"], *found[place:])

    return values


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
        """Of these raw-record hashes, those stored live before this store first wrote:
        hash → external id."""
        statements = self._statements()
        if not statements.partner_had_records:
            # Nothing was stored for the partner when this store began, so only what it wrote
            # itself could match; `upsert` finds those by external id anyway (and counts them
            # unchanged), so a first sync is spared a lookup per record.
            return {}
        [(found, external_ids)] = statements.by_hash((self.partner_id,), raw_hashes)
        return dict(zip(orjson.loads(found), orjson.loads(external_ids), strict=True))

    def upsert(
        self, records: Sequence[NormalizedRecord], run_id: int | None = None
    ) -> UpsertResult:
        """Insert new records and update changed ones, each real change with a new revision and
        a change-log entry. A record whose document is unchanged keeps its revision."""
        latest = {r.external_id: r for r in records}  # the last copy of a repeated id wins
        statements = self._statements()
        if statements.insert_first:
            # Nothing of the partner was stored when this store began, so these records are new
            # but for what was stored since: by this store in an earlier batch (a source may
            # send a record twice in a run) or by another writer. Insert them as new, and only
            # when a key says otherwise look them all up and write them again: the lookup of a
            # batch costs PostgreSQL ~3 µs a record, the savepoint a round trip per batch.
            try:
                with self.session.begin_nested():
                    return self._write(latest, {}, run_id)
            except IntegrityError:
                pass
        existing: dict[str, tuple[str, int, Any]] = {
            ext: (h, rev, deleted)
            for ext, h, rev, deleted in statements.by_external_id((self.partner_id,), list(latest))
        }
        return self._write(latest, existing, run_id)

    def _write(
        self,
        latest: dict[str, NormalizedRecord],
        existing: dict[str, tuple[str, int, Any]],
        run_id: int | None,
    ) -> UpsertResult:
        """`upsert` of the records in `latest`, given what `existing` holds of them (content
        hash, revision, deletion time by external id)."""
        result = UpsertResult()
        statements = self._statements()
        now = statements.insert.bind("created_at", utcnow())
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        touches: list[tuple[Any, ...]] = []
        # The change log's entries, as columns: entity ids and their new revisions.
        changed: list[str] = []
        revisions: list[int] = []
        for ext, record in latest.items():
            hub_id = record.id
            raw_json = record.raw_json
            before = existing.get(ext)
            if before is None:
                revision = 1
                inserts.append(
                    (hub_id, self.partner_id, ext, self.connector_id, revision, now, now,
                     record.data_json, raw_json, record.raw_hash, record.content_hash,
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
                    (self.connector_id, revision, now, None, record.data_json, raw_json,
                     record.raw_hash, record.content_hash, *record.promoted,
                     hub_id)
                )  # fmt: skip
                result.updated += 1
                result.existing_ids.append(ext)
            changed.append(hub_id)
            revisions.append(revision)

        statements.insert(inserts)
        statements.update(updates)
        statements.touch(touches)
        if latest:
            self._resolve_rejections(list(latest), utcnow())
        if changed:
            hold_feed_order(self.session)
            statements.change(
                (self.entity, self.partner_id, "upsert", run_id, now), (changed, revisions)
            )
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
        seen = sorted(set(external_ids))
        if seen:
            self.session.execute(
                insert(SweepSeen).values(
                    sweep_id=sweep_id, external_ids=orjson.dumps(seen).decode()
                )
            )

    def delete_unseen(
        self, sweep_id: str, sweep_started_at: datetime, run_id: int | None = None
    ) -> int:
        """After a complete sweep: mark deleted what this connector stored before the sweep
        began and the sweep did not see, each with a new revision and a `delete` change.
        Records created during the sweep were seen by it, so they need no mark. Returns how
        many."""
        if not self._statements().partner_had_records:
            # This store serves a run of the sweep, so it first looked after the sweep began,
            # and found nothing of the partner stored: nothing predates the sweep.
            return 0
        model = self.model
        postgres = self.session.get_bind().dialect.name == "postgresql"
        live_before = (
            model.partner_id == self.partner_id,
            model.connector_id == self.connector_id,
            model.deleted_at.is_(None),
            model.created_at < sweep_started_at,
        )
        elements = (
            func.json_array_elements_text(cast(SweepSeen.external_ids, JSON))
            if postgres
            else func.json_each(SweepSeen.external_ids)
        ).table_valued("value")
        seen = (
            select(elements.c.value)
            .select_from(SweepSeen)
            .join(elements, true())
            .where(SweepSeen.sweep_id == sweep_id)
        )
        if postgres:
            # NOT EXISTS, not NOT IN: PostgreSQL plans it as an anti-join, where NOT IN over a
            # large sweep falls back to a subplan re-scanned for every row. The marks were all
            # written by this sweep, so PostgreSQL has no statistics of them and may take them
            # for a handful: it then compares every stored record with every mark (a nested
            # loop, quadratic). Comparing two whole sets is a hash join's work.
            unseen = ~seen.where(elements.c.value == model.external_id).exists()
            self.session.execute(text("SET LOCAL enable_nestloop = off"))
        else:
            # SQLite reads an uncorrelated IN list once, into a temporary index.
            unseen = model.external_id.not_in(seen)
        gone = self.session.execute(
            select(model.id, model.revision).where(*live_before, unseen)
        ).all()
        if postgres:
            self.session.execute(text("RESET enable_nestloop"))
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

    def refresh_statistics(self, written: int) -> None:
        """After a run wrote `written` records: on PostgreSQL, when that is many, have the planner
        learn the table anew. A table filled by a first sync has no statistics until autovacuum
        comes by, and meanwhile a lookup by raw hash scans all of the partner's rows."""
        if written >= _ANALYZE_AFTER and self.session.get_bind().dialect.name == "postgresql":
            # The columns the sync's lookups filter on: the documents' statistics, which no
            # query uses, would cost most of the time.
            columns = "partner_id, connector_id, external_id, raw_hash, created_at, deleted_at"
            self.session.execute(text(f"ANALYZE {self.model.__tablename__} ({columns})"))

    def _statements(self) -> _Statements:
        if self._prepared is None:
            table = Base.metadata.tables[self.model.__tablename__]
            self._prepared = _Statements(self.session, table, self.entity, self.partner_id)
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
        statements = self._statements()
        # Asked first (one probe of the open rejections' index), because mostly there are none,
        # and matching a batch's external ids against them costs PostgreSQL ~1 µs a record.
        if self.session.execute(statements.any_open_rejection).first() is None:
            return
        resolved_at = statements.insert.bind("created_at", now)
        statements.resolve((resolved_at, self.partner_id, self.entity), external_ids)


def forget_sweep(session: Session, sweep_id: str) -> None:
    """Drop what a sweep remembered, once it is complete or abandoned."""
    session.execute(delete(SweepSeen).where(SweepSeen.sweep_id == sweep_id))


class _Statements:
    """The bulk statements of one entity's sync path, built once per store."""

    def __init__(self, session: Session, table: Table, entity: str, partner_id: str) -> None:
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
        self.change = BulkColumns(
            session,
            Base.metadata.tables[Change.__tablename__],
            ("entity", "partner_id", "op", "run_id", "created_at"),
            ("entity_id", "revision"),
        )
        # Each hash looked up in the index of raw hashes, the set driving the join. PostgreSQL:
        # its hash index keeps hash codes only, so each row found is checked against the hash
        # it was looked up by; checked against `= ANY(array)` instead, once psycopg prepares
        # the statement (a generic plan, the array a parameter) each row is compared with the
        # whole array (~10 µs a record, ~3.5 µs joined). SQLite keeps no statistics: told
        # nothing, it serves `partner_id = ?` from the unique (partner_id, external_id) index,
        # i.e. reads every record of the partner per lookup.
        postgres = session.get_bind().dialect.name == "postgresql"
        by_hash_index = "" if postgres else f" INDEXED BY ix_{table.name}_raw_hash"
        # The hashes found and their external ids come back as two JSON arrays in ONE row, not
        # a row each: SQLite gives up the GIL for every row it steps to, and while the sync's
        # writer thread runs, each row then waits to win it back (~0.7 µs a record of an
        # unchanged re-sync); PostgreSQL builds and psycopg reads two texts faster than a
        # thousand rows, too (1.75 against 1.8 µs a record). Both aggregates take the same rows
        # in the same order, so the arrays pair up.
        aggregate = "coalesce(json_agg({}), '[]')::text" if postgres else "json_group_array({})"
        found = f"{aggregate.format('c.raw_hash')}, {aggregate.format('c.external_id')}"
        self.by_hash = BulkQuery(
            session,
            f"SELECT {found} "
            f"FROM {{values}} CROSS JOIN {table.name} AS c{by_hash_index} "
            "WHERE c.raw_hash = matched.value AND c.partner_id = {p} AND c.deleted_at IS NULL",
        )
        self.by_external_id = BulkQuery(
            session,
            f"SELECT external_id, content_hash, revision, deleted_at FROM {table.name} "
            "WHERE partner_id = {p} AND external_id {in_values}",
        )
        rejections = Rejection.__tablename__
        self.resolve = BulkQuery(
            session,
            f"UPDATE {rejections} SET resolved_at = {{p}} WHERE partner_id = {{p}} "
            "AND entity = {p} AND resolved_at IS NULL AND external_id {in_values}",
        )
        self.any_open_rejection = (
            select(Rejection.id)
            .where(
                Rejection.partner_id == partner_id,
                Rejection.entity == entity,
                Rejection.resolved_at.is_(None),
            )
            .limit(1)
        )
        # Whether anything was stored for the partner before this store wrote (see
        # `RecordStore.unchanged_by_hash`).
        had = session.execute(select(table.c.id).where(table.c.partner_id == partner_id).limit(1))
        self.partner_had_records = had.first() is not None
        # Whether `upsert` inserts first and looks up only on a clash. PostgreSQL only: SQLite's
        # driver starts no transaction before a savepoint, so releasing one that came first in
        # a transaction would commit it; and a lookup costs SQLite ~0.2 µs a record.
        self.insert_first = postgres and not self.partner_had_records
