"""Push ingestion on both backends: partial acceptance, quarantine, idempotent replay, limits."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import InvalidInput
from hub.ingest.services import IngestService
from hub.partners.services import PartnerService
from hub.settings import Settings
from hub.store import ids
from hub.store.models import Certificate, Change, Course, Rejection, Run
from hub.sync.runner import SyncRunner
from tests.conftest import postgresql_only
from tests.pushed import NIK, certificate, course, row_counts


@pytest.fixture
def partner(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        return (
            PartnerService(session)
            .create({"kind": "training_provider", "code": "lpk-a", "name": "LPK A"})
            .id
        )


def push(
    sessions: sessionmaker[Session],
    settings: Settings,
    partner: str,
    records: list[Any],
    key: str,
    stream: str = "courses",
) -> dict[str, Any]:
    with sessions.begin() as session:
        return IngestService(session, settings).push(partner, stream, records, key)


def test_valid_records_are_stored_and_invalid_ones_quarantined(
    sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    records = [course(1), course(2, price_idr=-5), course(3), {"title": "no id"}]

    answer = push(sessions, settings, partner, records, "key-1")

    assert answer == {
        "accepted": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": [
            {
                "index": 1,
                "external_id": "K-2",
                "errors": {"price_idr": [answer["rejected"][0]["errors"]["price_idr"][0]]},
            },
            {"index": 3, "external_id": None, "errors": answer["rejected"][1]["errors"]},
        ],
    }
    assert "external_id" in answer["rejected"][1]["errors"]
    with sessions() as session:
        assert sorted(session.scalars(select(Course.external_id))) == ["K-1", "K-3"]
        run = session.scalars(select(Run)).one()
        assert (run.trigger, run.status, run.stream) == ("push", "partial", "courses")
        assert (run.records_read, run.created, run.rejected) == (4, 2, 2)
        quarantined = session.scalars(select(Rejection).order_by(Rejection.id)).all()
        assert [(r.external_id, r.run_id) for r in quarantined] == [("K-2", run.id), (None, run.id)]
        assert session.scalar(select(func.count()).select_from(Change)) == 2


def test_same_key_and_body_replays_the_first_answer(
    sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    first = push(sessions, settings, partner, [course(1), course(2)], "key-1")
    before = row_counts(sessions)

    again = push(sessions, settings, partner, [course(1), course(2)], "key-1")

    assert again == first == {
        "accepted": 2, "created": 2, "updated": 0, "unchanged": 0, "rejected": []
    }  # fmt: skip
    assert row_counts(sessions) == before


def test_same_key_with_another_body_is_refused_and_stores_nothing(
    sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    push(sessions, settings, partner, [course(1)], "key-1")
    before = row_counts(sessions)

    with pytest.raises(InvalidInput) as error:
        push(sessions, settings, partner, [course(1, title="Lain")], "key-1")

    assert list(error.value.errors) == ["Idempotency-Key"]
    assert row_counts(sessions) == before


def test_a_new_key_for_the_same_records_finds_them_unchanged_and_changes_count(
    sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    push(sessions, settings, partner, [course(1), course(2)], "key-1")

    again = push(sessions, settings, partner, [course(1), course(2, title="Baru")], "key-2")

    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 1)
    with sessions() as session:
        rows = session.execute(select(Course.external_id, Course.revision))
        revisions = {ext: rev for ext, rev in rows}
    assert revisions == {"K-1": 1, "K-2": 2}


def test_more_than_a_thousand_records_store_nothing(
    sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    before = row_counts(sessions)
    with pytest.raises(InvalidInput) as error:
        push(sessions, settings, partner, [course(n) for n in range(1001)], "key-1")
    assert list(error.value.errors) == ["records"]
    assert row_counts(sessions) == before


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there", "kunci-ü"])
def test_a_malformed_key_is_refused(
    sessions: sessionmaker[Session], settings: Settings, partner: str, key: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        push(sessions, settings, partner, [course(1)], key)
    assert list(error.value.errors) == ["Idempotency-Key"]


def test_pushed_certificates_keep_no_nik(
    sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    bad = {**certificate(2), "participant": {"nik": "3201013201900004", "name": "X"}}

    answer = push(sessions, settings, partner, [certificate(1), bad], "k", "certificates")

    assert answer["accepted"] == 1
    assert list(answer["rejected"][0]["errors"]) == ["participant.nik"]
    with sessions() as session:
        stored = session.scalars(select(Certificate)).one()
        rejected_raw = session.scalars(select(Rejection.raw)).one()
    assert stored.course_id == ids.record_id("course", partner, "K-1")
    assert stored.data["participant"]["name"] == "Peserta 1"
    assert NIK not in str(stored.data) + str(stored.raw)
    assert "3201013201900004" not in str(rejected_raw) + str(answer)


def test_a_push_connector_cannot_be_synced(
    sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    push(sessions, settings, partner, [course(1)], "key-1")
    with sessions() as session:
        connector_id = session.scalars(select(Run.connector_id)).one()

    run = SyncRunner(sessions, settings).run(connector_id, "courses", full_refresh=True)

    assert (run.status, run.error_code) == ("failed", "fatal")
    with sessions() as session:
        assert session.scalars(select(Course.deleted_at)).all() == [None]


@postgresql_only  # SQLite serializes writers: nothing runs concurrently there
def test_concurrent_pushes_with_one_key_store_once(
    database_url: str, sessions: sessionmaker[Session], settings: Settings, partner: str
) -> None:
    push(sessions, settings, partner, [course(0)], "warm-up")  # the push connector exists
    answers: list[dict[str, Any]] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        answers.append(push(sessions, settings, partner, [course(n) for n in range(50)], "same"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 4
    assert all(a == answers[0] for a in answers)
    assert answers[0]["created"] == 49
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 2
        assert session.scalar(select(func.count()).select_from(Course)) == 50
