"""The entities of common schema v1: every rule, each in a test that fails without it, and the
normalized document they load to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from schemas import Normalizer, RecordInvalid, participant_ref

KEY = b"test-nik-key-0123456789abcdef!!!"
Valid = Callable[[str], dict[str, Any]]


def load(entity: str, record: dict[str, Any], zone: str = "Asia/Jakarta") -> dict[str, Any]:
    return Normalizer(entity, nik_key=KEY, timezone=zone)(record)


def errors(entity: str, record: dict[str, Any], zone: str = "Asia/Jakarta") -> dict[str, list[str]]:
    with pytest.raises(RecordInvalid) as caught:
        load(entity, record, zone)
    return caught.value.errors


def assert_json_ready(value: Any) -> None:
    if isinstance(value, dict):
        assert all(isinstance(key, str) for key in value)
        for item in value.values():
            assert_json_ready(item)
    elif isinstance(value, list):
        for item in value:
            assert_json_ready(item)
    else:
        assert value is None or type(value) in (str, int, float, bool)


# The normalized documents


def test_a_course_loads_to_its_normalized_document(valid: Valid) -> None:
    assert load("course", valid("course")) == {
        "external_id": "COURSE-1",
        "title": "Pelatihan Digital Marketing",
        "description": "Pemasaran digital untuk UMKM.",
        "category": "Pemasaran",
        "language": "id",
        "delivery_mode": "offline",
        "duration_hours": 20.0,
        "price_idr": 1950000,
        "occupation_codes": ["2431", "2431.01"],
        "kkni_level": 4,
        "skills": ["seo", "copywriting"],
        "status": "active",
        "url": "https://kursus.example.co.id/pelatihan/1",
        "schedules": [
            {
                "schedule_code": "SCH-1",
                "starts_at": "2024-06-03T02:00:00+00:00",
                "ends_at": "2024-06-03T09:00:00+00:00",
                "timezone": "Asia/Jakarta",
                "location": "Kota Bandung",
                "quota": 40,
            },
            {
                "schedule_code": "SCH-2",
                "starts_at": "2024-06-10T01:00:00+00:00",
                "ends_at": "2024-06-10T08:00:00+00:00",
                "timezone": "Asia/Makassar",
                "location": "Kota Makassar",
                "quota": None,
            },
        ],
    }


def test_a_certificate_keeps_a_ref_and_never_the_nik(valid: Valid) -> None:
    record = valid("certificate")
    nik = record["participant"]["nik"]
    document = load("certificate", record)
    assert document["participant"] == {"ref": participant_ref(nik, KEY), "name": "Siti Rahmawati"}
    assert document["completed_at"] == "2024-06-03T09:00:00+00:00"
    assert nik not in orjson.dumps(document).decode()


def test_a_payment_loads_to_its_normalized_document(valid: Valid) -> None:
    record = valid("payment")
    assert load("payment", record) == {
        "external_id": "PAY-1",
        "type": "purchase",
        "amount_idr": 1950000,
        "fee_idr": 2500,
        "status": "succeeded",
        "participant": {
            "ref": participant_ref(record["participant"]["nik"], KEY),
            "name": "Budi Santoso",
        },
        "invoice_code": "123456789",
        "transaction_code": "01E3P4ZSXN1NKFKWZM193425B3",
        "redeem_code": "PRAT-7YHQ2K",
        "certificate_id": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
        "occurred_at": "2020-03-18T20:23:45+00:00",
        "settled_at": "2020-03-18T20:25:00+00:00",
    }


def test_a_partner_loads_with_its_contact_phone_in_e164(valid: Valid) -> None:
    assert load("partner", valid("partner"))["contact"] == {
        "name": "Andi",
        "email": "andi@majujaya.co.id",
        "phone": "+6281234567890",
    }


@pytest.mark.parametrize("entity", ["course", "certificate", "payment", "partner"])
def test_documents_are_json_ready(entity: str, valid: Valid) -> None:
    document = load(entity, valid(entity))
    assert_json_ready(document)
    assert orjson.loads(orjson.dumps(document)) == document


MINIMAL: dict[str, dict[str, Any]] = {
    "course": {
        "external_id": "C",
        "title": "T",
        "delivery_mode": "self_paced",
        "duration_hours": 15,
        "price_idr": 0,
    },
    "certificate": {
        "external_id": "X",
        "certificate_number": "N",
        "course_external_id": "C",
        "participant": {"nik": "3171011708450001", "name": "Budi"},
        "redeem_code": "GHOPNYXUVMT0",
        "completed_at": "2024-06-03T09:00:00Z",
        "issued_at": "2024-06-03T09:00:00Z",
        "attendance": {"sessions_attended": 0, "sessions_total": 1},
    },
    "payment": {
        "external_id": "P",
        "type": "refund",
        "amount_idr": 1,
        "status": "pending",
        "participant": {"nik": "3171011708450001", "name": "Budi"},
        "invoice_code": "INV-1",
        "transaction_code": "T",
        "occurred_at": "2024-06-03T09:00:00Z",
    },
    "partner": {"kind": "platform", "code": "tokopedia", "name": "Tokopedia"},
}


@pytest.mark.parametrize(
    ("entity", "filled"),
    [
        (
            "course",
            {
                "description": None,
                "category": None,
                "language": "id",
                "occupation_codes": [],
                "kkni_level": None,
                "skills": [],
                "status": "active",
                "url": None,
                "schedules": [],
            },
        ),
        ("certificate", {"schedule_code": None, "score": None, "status": "issued"}),
        (
            "payment",
            {"fee_idr": 0, "redeem_code": None, "certificate_id": None, "settled_at": None},
        ),
        ("partner", {"status": "active", "contact": None}),
    ],
)
def test_absent_fields_take_their_default_or_none(entity: str, filled: dict[str, Any]) -> None:
    document = load(entity, dict(MINIMAL[entity]))
    for name, value in filled.items():
        assert document[name] == value


@pytest.mark.parametrize("entity", ["course", "certificate", "payment"])
def test_explicit_null_equals_absent_for_optional_fields(entity: str, valid: Valid) -> None:
    record = dict(MINIMAL[entity])
    absent = load(entity, record)
    optional = [name for name, value in absent.items() if value is None]
    assert optional
    assert load(entity, {**record, **dict.fromkeys(optional)}) == absent


# Rules every ingested record shares


@pytest.mark.parametrize("entity", ["course", "certificate", "payment"])
@pytest.mark.parametrize(
    ("external_id", "message"),
    [
        ("", "Length must be between 1 and 128."),
        (" C-1", "Must not be blank, start or end with whitespace, or contain control characters."),
        (
            "C-1\n",
            "Must not be blank, start or end with whitespace, or contain control characters.",
        ),
        (
            "C\x001",
            "Must not be blank, start or end with whitespace, or contain control characters.",
        ),
        ("C" * 129, "Length must be between 1 and 128."),
        (17, "Not a valid string."),
        (None, "Field may not be null."),
    ],
)
def test_external_id_is_a_clean_string_of_at_most_128(
    entity: str, external_id: Any, message: str, valid: Valid
) -> None:
    assert message in errors(entity, {**valid(entity), "external_id": external_id})["external_id"]


@pytest.mark.parametrize("entity", ["course", "certificate", "payment"])
def test_external_id_is_required(entity: str, valid: Valid) -> None:
    record = valid(entity)
    del record["external_id"]
    assert errors(entity, record) == {"external_id": ["Missing data for required field."]}


@pytest.mark.parametrize("entity", ["course", "certificate", "payment", "partner"])
@pytest.mark.parametrize(
    "field", ["id", "partner_id", "revision", "created_at", "updated_at", "deleted_at", "extra"]
)
def test_hub_managed_and_unknown_fields_are_rejected(entity: str, field: str, valid: Valid) -> None:
    assert errors(entity, {**valid(entity), field: "x"}) == {field: ["Unknown field."]}


def test_partner_has_no_external_id(valid: Valid) -> None:
    assert errors("partner", {**valid("partner"), "external_id": "P-1"}) == {
        "external_id": ["Unknown field."]
    }


def test_a_record_that_is_not_an_object_is_rejected() -> None:
    assert errors("course", ["not", "a", "record"]) == {"_schema": ["Invalid input type."]}  # type: ignore[arg-type]


# Course


def course_error(valid: Valid, field: str, value: Any) -> list[str]:
    return errors("course", {**valid("course"), field: value}).get(field, [])


@pytest.mark.parametrize("value", ["online", "SELF_PACED", "", None])
def test_course_delivery_mode_is_one_of_four(value: Any, valid: Valid) -> None:
    assert course_error(valid, "delivery_mode", value)
    for mode in ("self_paced", "webinar", "blended"):
        load("course", {**valid("course"), "delivery_mode": mode})


@pytest.mark.parametrize(
    ("value", "ok"), [(0, False), (-1, False), (0.5, True), ("12.5", True), (10_001, False)]
)
def test_course_duration_hours_is_positive(value: Any, ok: bool, valid: Valid) -> None:
    if ok:
        assert load("course", {**valid("course"), "duration_hours": value})[
            "duration_hours"
        ] == float(value)
    else:
        assert course_error(valid, "duration_hours", value)


def test_course_price_is_rupiah_and_not_negative(valid: Valid) -> None:
    assert course_error(valid, "price_idr", -1000) == ["Must not be negative."]
    assert course_error(valid, "price_idr", "1.950.000,50") == [
        "Fractions of a rupiah are not allowed."
    ]
    assert load("course", {**valid("course"), "price_idr": "IDR 1.950.000"})["price_idr"] == 1950000


def test_course_language_is_a_language_tag(valid: Valid) -> None:
    assert course_error(valid, "language", "Bahasa Indonesia") == [
        "Not a valid BCP 47 language tag."
    ]
    assert load("course", {**valid("course"), "language": "en-us"})["language"] == "en-US"


@pytest.mark.parametrize(
    ("value", "ok"), [(1, True), (9, True), (0, False), (10, False), ("5", False), (4.0, False)]
)
def test_course_kkni_level_is_1_to_9(value: Any, ok: bool, valid: Valid) -> None:
    if ok:
        assert load("course", {**valid("course"), "kkni_level": value})["kkni_level"] == value
    else:
        assert course_error(valid, "kkni_level", value)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("2512", True),
        ("2512.01", True),
        ("2512.123", True),
        ("251", False),
        ("25120", False),
        ("2512.1", False),
        ("2512.", False),
    ],
)
def test_course_occupation_codes_are_kbji(code: str, ok: bool, valid: Valid) -> None:
    record = {**valid("course"), "occupation_codes": ["2431", code]}
    if ok:
        assert load("course", record)["occupation_codes"] == ["2431", code]
    else:
        assert errors("course", record) == {
            "occupation_codes.1": ["Not a KBJI code (e.g. 2512 or 2512.01)."]
        }


def test_course_skills_are_non_blank_strings(valid: Valid) -> None:
    assert errors("course", {**valid("course"), "skills": ["seo", "  "]}) == {
        "skills.1": ["Must not be blank."]
    }
    assert errors("course", {**valid("course"), "skills": "seo"}) == {
        "skills": ["Not a valid list."]
    }
    assert load("course", {**valid("course"), "skills": [" seo "]})["skills"] == ["seo"]


def test_course_status_is_active_or_inactive(valid: Valid) -> None:
    assert course_error(valid, "status", "archived") == ["Must be one of: active, inactive."]
    assert load("course", {**valid("course"), "status": "inactive"})["status"] == "inactive"


@pytest.mark.parametrize(
    "url",
    ["ftp://kursus.example.co.id/1", "javascript:alert(1)", "kursus.example.co.id", "https://"],
)
def test_course_url_is_http_or_https(url: str, valid: Valid) -> None:
    assert course_error(valid, "url", url) == ["Not a valid URL."]


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f"])
def test_course_url_holds_no_control_character(control: str, valid: Valid) -> None:
    # marshmallow's URL validator lets these through in a path; a link holding one is broken.
    url = f"https://kursus.example.co.id/kelas{control}1"
    assert course_error(valid, "url", url) == ["Must not contain control characters."]
    iri = "https://kursus.example.co.id/pelatihan/\u00e9t\u00e9"
    assert load("course", {**valid("course"), "url": iri})["url"] == iri


def test_course_title_is_required_and_not_blank(valid: Valid) -> None:
    assert course_error(valid, "title", "   ") == ["Must not be blank."]
    record = valid("course")
    del record["title"]
    assert errors("course", record) == {"title": ["Missing data for required field."]}


def test_a_course_may_have_no_schedules(valid: Valid) -> None:
    assert load("course", {**valid("course"), "schedules": []})["schedules"] == []


def schedules(valid: Valid, *changes: dict[str, Any]) -> dict[str, Any]:
    record = valid("course")
    record["schedules"] = [
        {**schedule, **change}
        for schedule, change in zip(record["schedules"], changes, strict=False)
    ]
    return record


def test_schedule_codes_are_unique_within_a_course(valid: Valid) -> None:
    record = schedules(valid, {}, {"schedule_code": "SCH-1"})
    assert errors("course", record) == {
        "schedules.1.schedule_code": ["Duplicate schedule_code in schedules."]
    }


@pytest.mark.parametrize("ends_at", ["2024-06-03T02:00:00Z", "2024-06-03 08:59:59"])
def test_a_schedule_ends_after_it_starts(ends_at: str, valid: Valid) -> None:
    record = schedules(valid, {"starts_at": "2024-06-03 09:00:00", "ends_at": ends_at})
    assert errors("course", record) == {"schedules.0.ends_at": ["Must be after starts_at."]}


def test_a_schedule_timezone_is_one_of_the_three(valid: Valid) -> None:
    record = schedules(valid, {"timezone": "Asia/Singapore"})
    assert errors("course", record) == {
        "schedules.0.timezone": ["Must be one of: Asia/Jakarta, Asia/Makassar, Asia/Jayapura."]
    }


def test_offline_schedules_need_a_location(valid: Valid) -> None:
    record = schedules(valid, {"location": None}, {"location": "  "})
    assert errors("course", record) == {
        "schedules.0.location": ["Required when delivery_mode is offline."],
        "schedules.1.location": ["Required when delivery_mode is offline."],
    }
    for mode in ("webinar", "self_paced", "blended"):
        assert load("course", {**record, "delivery_mode": mode})["schedules"][0]["location"] is None


@pytest.mark.parametrize(
    ("quota", "ok"), [(1, True), (0, False), (-5, False), (100_001, False), ("40", False)]
)
def test_a_schedule_quota_is_at_least_one(quota: Any, ok: bool, valid: Valid) -> None:
    record = schedules(valid, {"quota": quota})
    if ok:
        assert load("course", record)["schedules"][0]["quota"] == quota
    else:
        assert list(errors("course", record)) == ["schedules.0.quota"]


def test_schedule_errors_name_the_schedule(valid: Valid) -> None:
    record = schedules(valid, {"starts_at": "tomorrow"}, {"schedule_code": None})
    record["schedules"].append("not a schedule")
    assert errors("course", record) == {
        "schedules.0.starts_at": ["Not a valid ISO 8601 date and time."],
        "schedules.1.schedule_code": ["Field may not be null."],
        "schedules.2": ["Invalid input type."],
    }


def test_a_schedule_without_timezone_takes_the_source_zone(valid: Valid) -> None:
    record = valid("course")
    for schedule in record["schedules"]:
        del schedule["timezone"]
    first, second = load("course", record, zone="Asia/Jayapura")["schedules"]
    assert first["timezone"] == second["timezone"] == "Asia/Jayapura"
    assert first["starts_at"] == "2024-06-03T00:00:00+00:00"  # 09:00 WIT
    assert first["ends_at"] == "2024-06-03T09:00:00+00:00"  # the offset given wins


def test_a_schedule_timezone_governs_its_naive_times(valid: Valid) -> None:
    record = schedules(valid, {"timezone": "Asia/Makassar"})
    assert load("course", record, zone="Asia/Jayapura")["schedules"][0]["starts_at"] == (
        "2024-06-03T01:00:00+00:00"
    )


# Certificate


def certificate_errors(valid: Valid, **changes: Any) -> dict[str, list[str]]:
    return errors("certificate", {**valid("certificate"), **changes})


def test_a_certificate_is_not_issued_before_completion(valid: Valid) -> None:
    assert certificate_errors(valid, issued_at="2024-06-03T08:59:59Z") == {
        "issued_at": ["Must not be before completed_at."]
    }
    record = {**valid("certificate"), "issued_at": "2024-06-03 16:00:00"}
    assert load("certificate", record)["issued_at"] == load("certificate", record)["completed_at"]


@pytest.mark.parametrize(
    ("score", "ok"),
    [(0, True), (100, True), (87.5, True), (-1, False), (100.5, False), ("A", False)],
)
def test_a_certificate_score_is_0_to_100(score: Any, ok: bool, valid: Valid) -> None:
    if ok:
        assert load("certificate", {**valid("certificate"), "score": score})["score"] == score
    else:
        assert list(certificate_errors(valid, score=score)) == ["score"]


def test_attendance_is_never_more_than_the_sessions(valid: Valid) -> None:
    assert certificate_errors(valid, attendance={"sessions_attended": 5, "sessions_total": 4}) == {
        "attendance.sessions_attended": ["Must not be more than sessions_total."]
    }


@pytest.mark.parametrize(
    ("attendance", "path"),
    [
        ({"sessions_attended": 0, "sessions_total": 0}, "attendance.sessions_total"),
        ({"sessions_attended": -1, "sessions_total": 4}, "attendance.sessions_attended"),
        ({"sessions_total": 4}, "attendance.sessions_attended"),
        ({"sessions_attended": 4, "sessions_total": 4, "late": 1}, "attendance.late"),
        (None, "attendance"),
        ("4/4", "attendance"),
    ],
)
def test_attendance_counts_sessions(attendance: Any, path: str, valid: Valid) -> None:
    assert list(certificate_errors(valid, attendance=attendance)) == [path]


def test_a_certificate_needs_attendance(valid: Valid) -> None:
    record = valid("certificate")
    del record["attendance"]
    assert errors("certificate", record) == {"attendance": ["Missing data for required field."]}


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("GHOPNYXUVMT0", True),
        ("PRAT-7YHQ2K", True),
        ("ghopnyxuvmt0", False),
        ("GHOPNYXUVMT", False),
        ("GHOPNYXUVMT01", False),
        ("PRAT-", False),
    ],
)
def test_a_redeem_code_is_12_capitals_and_digits_or_a_sandbox_code(
    code: str, ok: bool, valid: Valid
) -> None:
    if ok:
        assert (
            load("certificate", {**valid("certificate"), "redeem_code": code})["redeem_code"]
            == code
        )
    else:
        assert certificate_errors(valid, redeem_code=code) == {
            "redeem_code": ["Not a valid redeem code."]
        }


def test_a_certificate_status_is_issued_or_revoked(valid: Valid) -> None:
    assert certificate_errors(valid, status="draft") == {
        "status": ["Must be one of: issued, revoked."]
    }
    assert load("certificate", {**valid("certificate"), "status": "revoked"})["status"] == "revoked"


def test_a_certificate_names_its_course_by_external_id(valid: Valid) -> None:
    record = valid("certificate")
    del record["course_external_id"]
    assert errors("certificate", record) == {
        "course_external_id": ["Missing data for required field."]
    }


@pytest.mark.parametrize(
    ("participant", "path"),
    [
        ({"nik": "9971011708450001", "name": "Siti"}, "participant.nik"),
        ({"nik": "3171011708450001"}, "participant.name"),
        ({"nik": "3171011708450001", "name": "Siti", "ref": "abc"}, "participant.ref"),
        ("3171011708450001", "participant"),
    ],
)
def test_a_participant_is_nik_and_name(participant: Any, path: str, valid: Valid) -> None:
    found = certificate_errors(valid, participant=participant)
    assert list(found) == [path]
    assert "3171011708450001" not in repr(found)
    assert "9971011708450001" not in repr(found)


# Payment


def payment_errors(valid: Valid, **changes: Any) -> dict[str, list[str]]:
    return errors("payment", {**valid("payment"), **changes})


def test_a_payment_type_and_status_are_enums(valid: Valid) -> None:
    assert payment_errors(valid, type="topup") == {
        "type": ["Must be one of: purchase, disbursement, refund, reversal."]
    }
    assert payment_errors(valid, status="done") == {
        "status": ["Must be one of: pending, succeeded, failed, reversed."]
    }


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "Must be greater than 0."),
        (-5, "Must not be negative."),
        ("Rp0", "Must be greater than 0."),
    ],
)
def test_a_payment_amount_is_positive(amount: Any, message: str, valid: Valid) -> None:
    assert payment_errors(valid, amount_idr=amount) == {"amount_idr": [message]}


def test_a_payment_fee_is_rupiah_defaulting_to_zero(valid: Valid) -> None:
    record = valid("payment")
    del record["fee_idr"]
    assert load("payment", record)["fee_idr"] == 0
    assert payment_errors(valid, fee_idr="Rp2.500,50") == {
        "fee_idr": ["Fractions of a rupiah are not allowed."]
    }


def test_a_payment_invoice_code_may_arrive_as_a_number(valid: Valid) -> None:
    assert load("payment", {**valid("payment"), "invoice_code": 987})["invoice_code"] == "987"
    assert payment_errors(valid, invoice_code=" INV ") == {
        "invoice_code": [
            "Must not be blank, start or end with whitespace, or contain control characters."
        ]
    }


def test_a_payment_is_not_settled_before_it_occurs(valid: Valid) -> None:
    assert payment_errors(valid, settled_at="2020-03-18T20:00:00Z") == {
        "settled_at": ["Must not be before occurred_at."]
    }


def test_a_payment_certificate_id_is_a_hub_id(valid: Valid) -> None:
    assert payment_errors(valid, certificate_id="CERT-1") == {
        "certificate_id": ["Not a valid hub id (a UUID)."]
    }


@pytest.mark.parametrize("field", ["type", "amount_idr", "status", "participant", "occurred_at"])
def test_payment_required_fields(field: str, valid: Valid) -> None:
    record = valid("payment")
    del record[field]
    assert errors("payment", record) == {field: ["Missing data for required field."]}


@pytest.mark.parametrize("field", ["invoice_code", "transaction_code"])
@pytest.mark.parametrize("absent", [False, True])
def test_a_purchase_names_its_invoice_and_transaction(
    field: str, absent: bool, valid: Valid
) -> None:
    record = valid("payment")
    assert record["type"] == "purchase"
    if absent:
        del record[field]
    else:
        record[field] = None
    assert errors("payment", record) == {field: ["Required for a purchase."]}


@pytest.mark.parametrize("kind", ["disbursement", "refund", "reversal"])
def test_other_payments_may_carry_neither_code(kind: str, valid: Valid) -> None:
    # An incentive disbursement from a bank or an e-wallet has no platform invoice.
    record = {**valid("payment"), "type": kind}
    del record["invoice_code"]
    record["transaction_code"] = None
    document = load("payment", record)
    assert document["invoice_code"] is None
    assert document["transaction_code"] is None
    # Codes that are there are still checked.
    assert payment_errors(valid, type=kind, transaction_code=" TRX") == {
        "transaction_code": [
            "Must not be blank, start or end with whitespace, or contain control characters."
        ]
    }


def test_a_purchase_without_either_code_names_both(valid: Valid) -> None:
    record = valid("payment")
    del record["invoice_code"], record["transaction_code"]
    assert errors("payment", record) == {
        "invoice_code": ["Required for a purchase."],
        "transaction_code": ["Required for a purchase."],
    }


# Partner


@pytest.mark.parametrize("code", ["LPK", "a", "-lpk", "lpk maju", "l" * 65, "lpk.maju"])
def test_a_partner_code_is_a_slug(code: str, valid: Valid) -> None:
    assert errors("partner", {**valid("partner"), "code": code}) == {
        "code": ["Must be 2-64 lowercase letters, digits, '_' or '-'."]
    }


def test_a_partner_kind_and_status_are_enums(valid: Valid) -> None:
    assert list(errors("partner", {**valid("partner"), "kind": "bank"})) == ["kind"]
    assert list(errors("partner", {**valid("partner"), "status": "deleted"})) == ["status"]


def test_a_partner_contact_is_checked(valid: Valid) -> None:
    contact = {"name": "Andi", "email": "andi@", "phone": "+1 415 555 0100"}
    assert errors("partner", {**valid("partner"), "contact": contact}) == {
        "contact.email": ["Not a valid email address."],
        "contact.phone": ["Only Indonesian (+62) phone numbers are accepted."],
    }
