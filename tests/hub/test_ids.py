"""Hub ids are RFC 4122 version-5 UUIDs of the record's source identity."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from hub.store import ids

NAMESPACE = uuid.UUID("6f1c9a52-3c1e-4f57-9d0b-2a8a3f0e7b11")


@given(st.sampled_from(["course", "certificate", "payment"]), st.text(), st.text())
def test_record_id_is_the_uuid5_of_entity_partner_and_external_id(
    entity: str, partner: str, external_id: str
) -> None:
    expected = uuid.uuid5(NAMESPACE, f"{entity}:{partner}:{external_id}")

    assert ids.record_id(entity, partner, external_id) == str(expected)


def test_ids_are_stable_and_distinct() -> None:
    first = ids.record_id("course", "p1", "C1")

    assert ids.record_id("course", "p1", "C1") == first
    assert ids.record_id("course", "p2", "C1") != first
    assert ids.record_id("certificate", "p1", "C1") != first
    assert ids.partner_id("lpk-a") == str(uuid.uuid5(NAMESPACE, "partner:lpk-a"))


@given(st.sampled_from(["course", "certificate", "payment"]), st.text(), st.text())
def test_record_ids_of_one_entity_and_partner_are_the_same_uuid5(
    entity: str, partner: str, external_id: str
) -> None:
    expected = uuid.uuid5(NAMESPACE, f"{entity}:{partner}:{external_id}")

    assert ids.RecordIds(entity, partner)(external_id) == str(expected)
