"""The change feed: every change once, in commit order, even while several writers commit in
an order other than the one they took their feed positions in (PostgreSQL)."""

from __future__ import annotations

import threading

import orjson
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from hub.changes.services import ChangeFeed
from hub.errors import InvalidInput
from hub.partners.services import PartnerService
from hub.store import ids
from hub.store.models import Change
from hub.store.records import NormalizedRecord, RecordStore
from tests.conftest import postgresql_only

ENTITIES = ("course", "certificate", "payment")


def course(partner: str, n: int, title: str = "Kursus") -> NormalizedRecord:
    """A stored-ready course; only what the store needs of it."""
    ext = f"c-{n}"
    document = {"external_id": ext, "title": f"{title} {n}", "status": "active", "price_idr": n}
    data_json = orjson.dumps(document).decode()
    return NormalizedRecord(
        id=ids.record_id("course", partner, ext),
        external_id=ext,
        promoted=(document["title"], "active", n),
        data_json=data_json,
        raw_json=data_json,
        raw_hash=f"{title}-{n}"[:32],
        content_hash=f"{title}-{n}"[:32],
    )


def add_partner(sessions: sessionmaker[Session], code: str) -> str:
    with sessions.begin() as session:
        return (
            PartnerService(session)
            .create({"kind": "training_provider", "code": code, "name": code.upper()})
            .id
        )


def walk(sessions: sessionmaker[Session], after: str | None = None, limit: int = 7) -> list[int]:
    """Every seq the feed gives an admin from `after` on, page by page."""
    seen: list[int] = []
    with sessions() as session:
        feed = ChangeFeed(session, entities=ENTITIES, partner_id=None)
        while True:
            page = feed.read(after, limit)
            seen.extend(entry["seq"] for entry in page.data)
            assert page.next_cursor == (str(seen[-1]) if seen else (after or "0"))
            after = page.next_cursor
            if not page.has_more:
                return seen


def test_walk_gives_every_change_once_in_order(sessions: sessionmaker[Session]) -> None:
    partner = add_partner(sessions, "lpk-a")
    with sessions.begin() as session:
        RecordStore(session, "course", partner).upsert([course(partner, n) for n in range(20)])
    with sessions.begin() as session:
        RecordStore(session, "course", partner).upsert(
            [course(partner, n, "Baru") for n in range(5)]
        )

    seen = walk(sessions)

    with sessions() as session:
        stored = session.scalars(select(Change.seq).order_by(Change.seq)).all()
        entries = ChangeFeed(session, entities=ENTITIES, partner_id=None).read(None, 100).data
    assert seen == list(stored)
    assert len(seen) == 25
    assert entries[-1] == {
        "seq": seen[-1],
        "entity": "course",
        "id": ids.record_id("course", partner, "c-4"),
        "op": "upsert",
        "revision": 2,
    }


def test_polling_at_the_end_keeps_the_cursor(sessions: sessionmaker[Session]) -> None:
    partner = add_partner(sessions, "lpk-a")
    with sessions.begin() as session:
        RecordStore(session, "course", partner).upsert([course(partner, 1)])
    with sessions() as session:
        first = ChangeFeed(session, entities=ENTITIES, partner_id=None).read(None, 10)
        again = ChangeFeed(session, entities=ENTITIES, partner_id=None).read(first.next_cursor, 10)
    assert (again.data, again.next_cursor, again.has_more) == ([], first.next_cursor, False)


def test_a_partner_sees_every_course_but_only_its_own_payments(
    sessions: sessionmaker[Session],
) -> None:
    mine, theirs = add_partner(sessions, "lpk-a"), add_partner(sessions, "lpk-b")
    with sessions.begin() as session:
        session.add_all(
            Change(entity=entity, entity_id=f"{owner[:8]}-{entity}", partner_id=owner,
                   op="upsert", revision=1)
            for owner in (mine, theirs)
            for entity in ("course", "payment")
        )  # fmt: skip

    with sessions() as session:
        data = ChangeFeed(session, entities=["course", "payment"], partner_id=mine).read(None, 10)
        courses_only = ChangeFeed(session, entities=["course"], partner_id=None).read(None, 10)

    assert [e["id"] for e in data.data] == [
        f"{mine[:8]}-course",
        f"{mine[:8]}-payment",
        f"{theirs[:8]}-course",
    ]
    assert {e["entity"] for e in courses_only.data} == {"course"}


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "9" * 30])
def test_a_cursor_the_feed_never_gave_is_refused(
    sessions: sessionmaker[Session], cursor: str
) -> None:
    with sessions() as session, pytest.raises(InvalidInput) as error:
        ChangeFeed(session, entities=ENTITIES, partner_id=None).read(cursor, 10)
    assert list(error.value.errors) == ["after"]


def waiting_on_lock(engine: Engine) -> int:
    """How many sessions wait for a lock right now."""
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
        )


@postgresql_only
def test_a_later_writer_waits_for_an_earlier_one_to_commit(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    """Writer A takes feed positions and stays open; writer B takes its positions after A's.
    A reader must never see B's changes without A's, whatever order they commit in."""
    a_partner, b_partner = add_partner(sessions, "lpk-a"), add_partner(sessions, "lpk-b")
    writer_a = sessions()
    RecordStore(writer_a, "course", a_partner).upsert([course(a_partner, 1)])

    b_done = threading.Event()

    def writer_b() -> None:
        with sessions.begin() as session:
            RecordStore(session, "course", b_partner).upsert([course(b_partner, 2)])
        b_done.set()

    thread = threading.Thread(target=writer_b)
    thread.start()
    try:
        while waiting_on_lock(engine) == 0 and not b_done.is_set():
            threading.Event().wait(0.01)  # poll pg_stat_activity until B blocks (or finishes)
        # B could only have finished by committing a seq after A's uncommitted one: the bug.
        assert not b_done.is_set()
        assert walk(sessions) == []
        writer_a.commit()
    finally:
        writer_a.close()
        thread.join()

    seen = walk(sessions)
    with sessions() as session:
        owners = session.scalars(select(Change.partner_id).order_by(Change.seq)).all()
    assert len(seen) == 2
    assert owners == [a_partner, b_partner]


@postgresql_only
def test_concurrent_writers_and_a_polling_reader(sessions: sessionmaker[Session]) -> None:
    """Several writers commit batches while a reader polls from its last cursor: the reader
    ends having seen every change exactly once, in seq order."""
    writers, batches, per_batch = 4, 15, 20
    partners = [add_partner(sessions, f"lpk-{w}") for w in range(writers)]
    done = threading.Event()
    failures: list[BaseException] = []

    def write(partner: str) -> None:
        try:
            for b in range(batches):
                with sessions.begin() as session:
                    RecordStore(session, "course", partner).upsert(
                        [course(partner, b * per_batch + n) for n in range(per_batch)]
                    )
                    # More work in the same transaction after the changes, as a sync does
                    # (quarantine, run counters, checkpoint): commits lag behind seqs.
                    session.execute(text("SELECT count(*) FROM courses"))
        except BaseException as error:
            failures.append(error)

    seen: list[int] = []

    def read() -> None:
        cursor: str | None = None
        with sessions() as session:
            feed = ChangeFeed(session, entities=ENTITIES, partner_id=None)
            while True:
                finished = done.is_set()  # read once more after the last writer finished
                page = feed.read(cursor, 50)
                session.rollback()  # a fresh snapshot for every poll
                seen.extend(entry["seq"] for entry in page.data)
                cursor = page.next_cursor
                if finished and not page.has_more:
                    return

    threads = [threading.Thread(target=write, args=(p,)) for p in partners]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()

    assert failures == []
    with sessions() as session:
        stored = session.scalars(select(Change.seq).order_by(Change.seq)).all()
    assert len(stored) == writers * batches * per_batch
    assert seen == list(stored)
