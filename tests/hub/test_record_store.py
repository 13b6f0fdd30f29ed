"""The record store's bulk path on both backends: lookups of many values at once, and what a
batch writes (documents as given, change-log order, sweep marks, times)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session, sessionmaker

from hub.partners.services import PartnerService
from hub.store import ids
from hub.store.models import Change, Course, SweepSeen
from hub.store.records import NormalizedRecord, RecordStore
from hub.store.types import utcnow
from hub.sync.hashing import content_hash

# More values than one SQLite statement takes parameters (32,766).
MANY = 40_000


def record(partner_id: str, external_id: str, title: str | None = None) -> NormalizedRecord:
    """A valid course as a sync hands it to the store; `title` changes its document."""
    title = f"Kelas {external_id}" if title is None else title
    document = {"external_id": external_id, "title": title, "status": "active"}
    document_json = orjson.dumps(document).decode()
    return NormalizedRecord(
        ids.record_id("course", partner_id, external_id),
        external_id,
        (document["title"], "active", 100_000),
        document_json,
        orjson.dumps({"kode": external_id}).decode(),
        f"raw-{external_id}",
        content_hash(document_json.encode()),
    )


def test_raw_hash_lookup_takes_more_values_than_a_statement_has_parameters(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        partner = PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
        )
        stored = [record(partner.id, f"C{i}") for i in range(3)]
        RecordStore(session, "course", partner.id).upsert(stored)
    hashes = [f"unknown-{i}" for i in range(MANY)] + [r.raw_hash for r in stored]

    with sessions() as session:
        found: dict[str, Any] = RecordStore(session, "course", partner.id).unchanged_by_hash(hashes)

    assert found == {r.raw_hash: r.external_id for r in stored}


def test_upsert_of_more_records_than_a_statement_has_parameters_then_again(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        partner = PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
        )
        records = [record(partner.id, f"C{i}") for i in range(MANY)]
        first = RecordStore(session, "course", partner.id).upsert(records)

    with sessions.begin() as session:
        again = RecordStore(session, "course", partner.id).upsert(records)

    assert (first.created, first.unchanged) == (MANY, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, MANY)


def test_documents_are_kept_verbatim_as_the_store_was_given_them(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        partner = PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
        )
        given = record(partner.id, "C-1")
        RecordStore(session, "course", partner.id).upsert([given])

    with sessions() as session:
        kept = session.execute(
            select(cast(Course.data, Text), cast(Course.raw, Text)).where(Course.id == given.id)
        ).one()

    # Key order and spacing as written: the catalog serves the stored text as it is.
    assert tuple(kept) == (given.data_json, given.raw_json)


def test_change_log_entries_follow_the_batch_order_and_marks_are_kept_once(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        partner = PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
        )
        stored = [record(partner.id, external_id) for external_id in ("C-3", "C-1", "C-2")]
        store = RecordStore(session, "course", partner.id)
        store.upsert(stored)
        store.mark_seen("sweep", ["C-3", "C-1", "C-3"])
        store.mark_seen("sweep", ["C-1", "C-2"])

    with sessions() as session:
        logged = session.execute(
            select(Change.entity_id, Change.revision, Change.op).order_by(Change.seq)
        ).all()
        marks = session.scalars(select(SweepSeen.external_ids).order_by(SweepSeen.id))
        assert [orjson.loads(seen) for seen in marks] == [["C-1", "C-3"], ["C-1", "C-2"]]
    assert [tuple(row) for row in logged] == [(r.id, 1, "upsert") for r in stored]


def test_a_record_and_its_change_are_stored_at_the_same_exact_time(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        partner = PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
        )
        before = utcnow()
        RecordStore(session, "course", partner.id).upsert([record(partner.id, "C-1")])
        after = utcnow()

    with sessions() as session:
        course = session.execute(select(Course.created_at, Course.updated_at)).one()
        logged = session.scalars(select(Change.created_at)).one()
    assert course.created_at == course.updated_at == logged
    assert before <= logged <= after
    assert logged.tzinfo is not None
