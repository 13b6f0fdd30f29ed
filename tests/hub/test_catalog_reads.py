"""Reading stored records and runs on both backends: keyset pages, filters, partner limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.catalog.services import EVERY_PARTNER, PageCache, RecordReader, body_tag, page_json
from hub.errors import InvalidInput, NotFound
from hub.ingest.services import IngestService
from hub.partners.services import PartnerService
from hub.settings import Settings
from hub.store.models import Course
from hub.store.types import utcnow
from hub.sync.runs import RunService


def course(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "external_id": f"K-{n}",
        "title": f"Kursus {n}",
        "delivery_mode": "webinar",
        "duration_hours": 20,
        "price_idr": 1_000_000,
        **changes,
    }


@pytest.fixture
def partners(sessions: sessionmaker[Session], settings: Settings) -> tuple[str, str]:
    """Two providers: A with 23 courses (3 inactive, one bad), B with 4."""
    with sessions.begin() as session:
        a, b = (
            PartnerService(session)
            .create({"kind": "training_provider", "code": code, "name": code.upper()})
            .id
            for code in ("lpk-a", "lpk-b")
        )
        ingest = IngestService(session, settings)
        records = [course(n, status="inactive" if n < 3 else "active") for n in range(23)]
        ingest.push(a, "courses", [*records, course(99, price_idr="gratis")], "a-1")
        ingest.push(b, "courses", [course(n) for n in range(4)], "b-1")
    return a, b


def walk(reader: RecordReader, limit: int, **filters: Any) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = reader.page(limit=limit, cursor=cursor, **filters)
        ids.extend(row.id for row in page.items)
        if page.next_cursor is None:
            return ids
        assert len(page.items) == limit
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 5, 27, 100])
def test_a_walk_returns_exactly_the_stored_set(
    sessions: sessionmaker[Session], partners: tuple[str, str], limit: int
) -> None:
    with sessions() as session:
        walked = walk(RecordReader(session.connection(), "course"), limit)
        stored = session.scalars(select(Course.id)).all()
    assert len(walked) == len(set(walked)) == 27
    assert set(walked) == set(stored)


def test_filters_and_partner_limit(
    sessions: sessionmaker[Session], partners: tuple[str, str]
) -> None:
    a, b = partners
    with sessions() as session:
        everyone = RecordReader(session.connection(), "course")
        assert len(walk(everyone, 10, partner_id=b)) == 4
        assert len(walk(everyone, 10, status="inactive")) == 3
        assert walk(everyone, 10, updated_since=utcnow() + timedelta(seconds=5)) == []
        assert len(walk(everyone, 10, updated_since=utcnow() - timedelta(hours=1))) == 27
        only_b = RecordReader(session.connection(), "course", partner_id=b)
        assert len(walk(only_b, 10)) == 4
        assert walk(only_b, 10, partner_id=a) == []
        an_a_course = walk(RecordReader(session.connection(), "course", partner_id=a), 1)[0]
        with pytest.raises(NotFound):
            only_b.get(an_a_course)


def test_records_leave_in_the_common_schema(
    sessions: sessionmaker[Session], partners: tuple[str, str]
) -> None:
    a, b = partners
    with sessions() as session:

        def first(raw_of: str | None) -> dict[str, Any]:
            reader = RecordReader(session.connection(), "course", partner_id=a, raw_of=raw_of)
            page = reader.page(limit=1, status="inactive")
            record: dict[str, Any] = orjson.loads(page_json(page))["data"][0]
            assert record == orjson.loads(reader.get(record["id"]))
            return record

        public, own, admin = first(b), first(a), first(EVERY_PARTNER)
        stored = session.get(Course, public["id"])
        assert stored is not None
    assert "raw" not in public
    assert own["raw"] == admin["raw"] == stored.raw
    assert {k: v for k, v in own.items() if k != "raw"} == public
    assert public == {
        "id": stored.id,
        "partner_id": a,
        "revision": 1,
        "created_at": stored.created_at.isoformat(),
        "updated_at": stored.updated_at.isoformat(),
        "deleted_at": None,
        **stored.data,
    }


@pytest.mark.parametrize("cursor", ["nonsense", "WzFd", "W251bGxd"])
def test_a_forged_cursor_is_refused(
    sessions: sessionmaker[Session], partners: tuple[str, str], cursor: str
) -> None:
    with sessions() as session, pytest.raises(InvalidInput) as error:
        RecordReader(session.connection(), "course").page(limit=5, cursor=cursor)
    assert list(error.value.errors) == ["cursor"]


def test_runs_and_rejections_reach_only_their_partner(
    sessions: sessionmaker[Session], partners: tuple[str, str]
) -> None:
    a, b = partners
    with sessions() as session:
        [run_a] = RunService(session, partner_id=a).list()
        [run_b] = RunService(session, partner_id=b).list()
        assert [r.id for r in RunService(session).list(limit=1)] == [run_b.id]
        total, page = RunService(session, partner_id=a).rejections(run_a.id)
        assert total == 1
        assert [r.errors for r in page.items] == [{"price_idr": page.items[0].errors["price_idr"]}]
        with pytest.raises(NotFound):
            RunService(session, partner_id=b).get(run_a.id)
        with pytest.raises(NotFound):
            RunService(session, partner_id=b).rejections(run_a.id)


def test_cached_pages_follow_every_change(
    sessions: sessionmaker[Session], settings: Settings, partners: tuple[str, str]
) -> None:
    a, _ = partners
    cache = PageCache()

    def read(raw_of: str | None) -> tuple[bytes, bytes]:
        with sessions() as session:
            reader = RecordReader(session.connection(), "course", raw_of=raw_of)
            cached = cache.page(reader, limit=5, status="inactive")
            again = cache.page(reader, limit=5, status="inactive")
            assert again == cached
            assert cached.tag == body_tag(cached.data)
            return cached.data, page_json(reader.page(limit=5, status="inactive"))

    def push(record: dict[str, Any], key: str) -> None:
        with sessions.begin() as session:
            IngestService(session, settings).push(a, "courses", [record], key)

    platform_before, _ = read(None)
    owner_before, _ = read(a)
    push(course(0, status="inactive", title="Judul Baru"), "a-2")
    platform_after, fresh = read(None)
    assert platform_after == fresh != platform_before
    assert b"Judul Baru" in platform_after

    # The source rewords the raw record only (20 → 20.0): no revision, no change in the feed,
    # yet its owner sees the new raw copy.
    owner_changed, _ = read(a)
    push(course(0, status="inactive", title="Judul Baru", duration_hours=20.0), "a-3")
    owner_after, fresh = read(a)
    assert owner_after == fresh != owner_changed != owner_before
    assert read(None)[0] == platform_after
