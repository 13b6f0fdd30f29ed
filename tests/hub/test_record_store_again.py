"""The record store meeting records again on both backends: a record a run already stored (in an
earlier batch, or another writer meanwhile), and a record it quarantined that comes back valid."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.partners.services import PartnerService
from hub.store.models import Change, Course, Rejection
from hub.store.records import RecordStore, RejectedRecord, UpsertResult
from tests.hub.test_record_store import record


@pytest.fixture
def partner_id(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        partner = PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
        )
        return partner.id


def counts(result: UpsertResult) -> tuple[int, int, int]:
    return result.created, result.updated, result.unchanged


def revisions(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(select(Course.external_id, Course.revision)).all()
    return {external_id: revision for external_id, revision in rows}


def change_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Change)) or 0


@pytest.mark.parametrize(("title", "expected"), [(None, (1, 0, 1)), ("Kelas baru", (1, 1, 0))])
def test_a_record_stored_by_an_earlier_batch_of_a_first_sync_is_counted_not_refused(
    sessions: sessionmaker[Session], partner_id: str, title: str | None, expected: tuple[int, ...]
) -> None:
    with sessions() as session:
        store = RecordStore(session, "course", partner_id)
        first = store.upsert([record(partner_id, "C-1"), record(partner_id, "C-2")])
        session.commit()

        again = store.upsert([record(partner_id, "C-2", title), record(partner_id, "C-3")])
        session.commit()

    assert counts(first) == (2, 0, 0)
    assert counts(again) == expected
    assert again.existing_ids == ["C-2"]
    changed = title is not None
    assert revisions(sessions) == {"C-1": 1, "C-2": 2 if changed else 1, "C-3": 1}
    assert change_count(sessions) == (4 if changed else 3)


def test_records_another_writer_stored_meanwhile_are_counted_not_refused(
    sessions: sessionmaker[Session], partner_id: str
) -> None:
    with sessions() as session:
        store = RecordStore(session, "course", partner_id)
        # The store looks: nothing of the partner is stored yet.
        assert store.unchanged_by_hash([record(partner_id, "C-1").raw_hash]) == {}
        with sessions.begin() as other:
            RecordStore(other, "course", partner_id).upsert([record(partner_id, "C-1")])

        result = store.upsert([record(partner_id, "C-1"), record(partner_id, "C-2")])
        session.commit()

    assert counts(result) == (1, 0, 1)
    assert revisions(sessions) == {"C-1": 1, "C-2": 1}
    assert change_count(sessions) == 2


def rejected(external_id: str) -> RejectedRecord:
    return RejectedRecord(external_id, {"kode": external_id}, {"price_idr": ["Not valid."]})


def open_rejections(sessions: sessionmaker[Session]) -> list[tuple[str, str | None, str]]:
    with sessions() as session:
        rows = session.execute(
            select(Rejection.partner_id, Rejection.external_id, Rejection.entity)
            .where(Rejection.resolved_at.is_(None))
            .order_by(Rejection.id)
        ).all()
    return [(partner, external_id, entity) for partner, external_id, entity in rows]


def test_a_record_quarantined_earlier_in_a_run_resolves_its_rejection_when_it_comes_back_valid(
    sessions: sessionmaker[Session], partner_id: str
) -> None:
    with sessions.begin() as session:
        other_partner = (
            PartnerService(session)
            .create({"kind": "training_provider", "code": "lpk-b", "name": "LPK B"})
            .id
        )
        RecordStore(session, "course", other_partner).quarantine([rejected("C-1")])
        RecordStore(session, "payment", partner_id).quarantine([rejected("C-1")])
    with sessions() as session:
        store = RecordStore(session, "course", partner_id)
        store.upsert([record(partner_id, "C-0")])
        store.quarantine([rejected("C-1"), rejected("C-2")])
        session.commit()

        store.upsert([record(partner_id, "C-1"), record(partner_id, "C-3")])
        session.commit()

    # Only the partner's course C-1 was stored: other partners' and entities' stay open.
    assert open_rejections(sessions) == [
        (other_partner, "C-1", "course"),
        (partner_id, "C-1", "payment"),
        (partner_id, "C-2", "course"),
    ]


def test_a_later_run_resolves_the_rejections_of_an_earlier_one(
    sessions: sessionmaker[Session], partner_id: str
) -> None:
    with sessions.begin() as session:
        RecordStore(session, "course", partner_id).quarantine([rejected("C-1")])

    with sessions.begin() as session:
        RecordStore(session, "course", partner_id).upsert([record(partner_id, "C-1")])

    assert open_rejections(sessions) == []
