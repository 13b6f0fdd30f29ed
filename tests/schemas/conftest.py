"""Fixtures of the schema tests: the NIK key, valid records of each entity, and loading them
through marshmallow the way the Normalizer does."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from schemas._context import LoadContext, source_context

NIK_KEY = b"test-nik-key-0123456789abcdef!!!"
#: Valid NIKs: Jakarta Selatan, a man born 1945-08-17; the same place, a woman born
#: 1945-08-17; Kota Bandung, a woman born 1999-01-01.
NIK_MAN = "3171011708450001"
NIK_WOMAN = "3171015708450001"
NIK_BANDUNG = "3273014101990003"

VALID: dict[str, dict[str, Any]] = {
    "course": {
        "external_id": "COURSE-1",
        "title": "Pelatihan Digital Marketing",
        "description": "Pemasaran digital untuk UMKM.",
        "category": "Pemasaran",
        "language": "id",
        "delivery_mode": "offline",
        "duration_hours": 20,
        "price_idr": "Rp1.950.000",
        "occupation_codes": ["2431", "2431.01"],
        "kkni_level": 4,
        "skills": ["seo", "copywriting"],
        "status": "active",
        "url": "https://kursus.example.co.id/pelatihan/1",
        "schedules": [
            {
                "schedule_code": "SCH-1",
                "starts_at": "2024-06-03 09:00:00",
                "ends_at": "2024-06-03T16:00:00+07:00",
                "timezone": "Asia/Jakarta",
                "location": "Kota Bandung",
                "quota": 40,
            },
            {
                "schedule_code": "SCH-2",
                "starts_at": "2024-06-10 09:00:00",
                "ends_at": "2024-06-10 16:00:00",
                "timezone": "Asia/Makassar",
                "location": "Kota Makassar",
            },
        ],
    },
    "certificate": {
        "external_id": "CERT-1",
        "certificate_number": "NO/000001/2024",
        "course_external_id": "COURSE-1",
        "schedule_code": "SCH-1",
        "participant": {"nik": NIK_WOMAN, "name": "Siti Rahmawati"},
        "redeem_code": "GHOPNYXUVMT0",
        "completed_at": "2024-06-03T16:00:00+07:00",
        "issued_at": "2024-06-04T10:00:00+07:00",
        "score": 87.5,
        "attendance": {"sessions_attended": 4, "sessions_total": 4},
        "status": "issued",
    },
    "payment": {
        "external_id": "PAY-1",
        "type": "purchase",
        "amount_idr": 1950000,
        "fee_idr": "Rp2.500",
        "status": "succeeded",
        "participant": {"nik": NIK_MAN, "name": "Budi Santoso"},
        "invoice_code": 123456789,
        "transaction_code": "01E3P4ZSXN1NKFKWZM193425B3",
        "redeem_code": "PRAT-7YHQ2K",
        "certificate_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        "occurred_at": "2020-03-18T20:23:45Z",
        "settled_at": "2020-03-18T20:25:00Z",
    },
    "partner": {
        "kind": "training_provider",
        "code": "lpk-maju-jaya",
        "name": "LPK Maju Jaya",
        "status": "active",
        "contact": {"name": "Andi", "email": "andi@majujaya.co.id", "phone": "0812-3456-7890"},
    },
}


@pytest.fixture(scope="session")
def valid() -> Callable[[str], dict[str, Any]]:
    """A fresh copy of the valid record of an entity."""
    return lambda entity: copy.deepcopy(VALID[entity])


@pytest.fixture
def source() -> Iterator[LoadContext]:
    """The source context of a load through marshmallow: WIB and the test NIK key."""
    with source_context(LoadContext(zone_name="Asia/Jakarta", nik_key=NIK_KEY)) as context:
        yield context


def with_source(zone: str = "Asia/Jakarta") -> Any:
    """`source_context` of the test key in `zone`, for use inside a test."""
    return source_context(LoadContext(zone_name=zone, nik_key=NIK_KEY))


@pytest.fixture(scope="session")
def in_source() -> Callable[..., Any]:
    """`in_source(zone)`: a context manager that loads with the test key in `zone`."""
    return with_source
