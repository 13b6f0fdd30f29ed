"""The Indonesian field types: what each accepts (and loads it as) and what each rejects."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError, fields

from schemas import participant_ref
from schemas.fields import (
    MAX_IDR,
    NIK_PROVINCES_WITHOUT_REGENCIES,
    AwareDateTime,
    HubId,
    LanguageTag,
    Nik,
    Phone,
    Rupiah,
    StringOrInt,
    Text,
    Timezone,
)

KEY = b"test-nik-key-0123456789abcdef!!!"


def messages(field: fields.Field[Any], value: Any, data: Any = None) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        field.deserialize(value, "field", data)
    assert isinstance(caught.value.messages, list)
    return caught.value.messages


# NIK


@pytest.mark.parametrize(
    "nik",
    [
        "3171011708450001",  # Jakarta Selatan, a man born 17-08-1945
        "3171015708450001",  # the same, a woman (day + 40)
        "3273014101990003",  # Kota Bandung, a woman born 01-01-1999
        "1101017112000001",  # Simeulue (Aceh), a woman born 31-12-2000
    ],
)
def test_nik_accepts_a_valid_nik_and_loads_its_ref(nik: str, source: Any) -> None:
    assert Nik().deserialize(nik) == participant_ref(nik, KEY)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("317101170845000", "Not a valid NIK: must be a string of 16 digits."),
        ("31710117084500011", "Not a valid NIK: must be a string of 16 digits."),
        ("317101170845000a", "Not a valid NIK: must be a string of 16 digits."),
        ("3171 0117 0845 0001", "Not a valid NIK: must be a string of 16 digits."),
        (" 3171011708450001", "Not a valid NIK: must be a string of 16 digits."),
        ("\u0663" * 16, "Not a valid NIK: must be a string of 16 digits."),  # Arabic-Indic
        (3171011708450001, "Not a valid NIK: must be a string of 16 digits."),
        (["3171011708450001"], "Not a valid NIK: must be a string of 16 digits."),
        ("9971011708450001", "Not a valid NIK: unknown province or regency code."),
        ("3199011708450001", "Not a valid NIK: unknown province or regency code."),
        ("0071011708450001", "Not a valid NIK: unknown province or regency code."),
        ("3171013002450001", "Not a valid NIK: the birth date part is not a date."),
        ("3171010008450001", "Not a valid NIK: the birth date part is not a date."),
        ("3171017208450001", "Not a valid NIK: the birth date part is not a date."),
        ("3171018508450001", "Not a valid NIK: the birth date part is not a date."),
        ("3171011713450001", "Not a valid NIK: the birth date part is not a date."),
    ],
)
def test_nik_rejects_without_repeating_the_value(value: Any, message: str, source: Any) -> None:
    got = messages(Nik(), value)
    assert got == [message]
    assert str(value) not in repr(got)


@pytest.mark.parametrize(
    "nik",
    [
        "6501011708900001",  # Kalimantan Utara (2012): Malinau
        "6571015708900001",  # Kalimantan Utara: Kota Tarakan
        "9202011708900001",  # Papua Barat by Kemendagri's code (stdnum has BPS's 91)
        "9271011708900001",  # Papua Barat: Kota Sorong
        "9111011708900001",  # Papua by Kemendagri's code: a regency stdnum lacks under 91
        "9301011708900001",  # Papua Selatan (2022): Merauke
        "9405011708900001",  # Papua Tengah (2022): a regency stdnum lacks under 94
        "9501011708900001",  # Papua Pegunungan (2022): Jayawijaya
        "9671011708900001",  # Papua Barat Daya (2022): Kota Sorong
    ],
)
def test_nik_accepts_provinces_that_stdnum_lacks(nik: str, source: Any) -> None:
    assert nik[:2] in NIK_PROVINCES_WITHOUT_REGENCIES
    assert Nik().deserialize(nik) == participant_ref(nik, KEY)


@pytest.mark.parametrize(
    "nik",
    [
        "0001011708900001",  # no province 00
        "1001011708900001",  # nor 10
        "9901011708900001",  # nor 99
        "9701011708900001",  # nor 97
        "6500011708900001",  # a province without regency data still has no regency 00
        "9300011708900001",
        "6501013208900001",  # and its NIKs still need a birth date
    ],
)
def test_nik_still_rejects_unknown_places_and_dates(nik: str, source: Any) -> None:
    assert len(messages(Nik(), nik)) == 1


def test_nik_without_a_key_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        Nik().deserialize("3171011708450001")


def test_participant_ref_is_the_hex_hmac_sha256_of_the_nik() -> None:
    nik = "3171011708450001"
    expected = hmac.new(KEY, nik.encode(), hashlib.sha256).hexdigest()
    assert participant_ref(nik, KEY) == expected
    assert participant_ref(nik, KEY[::-1]) != expected


def test_participant_ref_refuses_a_short_key() -> None:
    with pytest.raises(ValueError, match="16"):
        participant_ref("3171011708450001", b"short")


# Rupiah


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (1950000, 1950000),
        ("1950000", 1950000),
        ("Rp1.950.000", 1950000),
        ("Rp 1.950.000,00", 1950000),
        ("Rp. 1.950.000", 1950000),
        ("rp1.950.000", 1950000),
        ("Rp\xa01.950.000", 1950000),
        ("1,950,000", 1950000),
        ("1,950,000.00", 1950000),
        ("IDR 1.950.000", 1950000),
        ("12345.00", 12345),
        ("1950000,0", 1950000),
        ("1.950", 1950),
        ("1,950", 1950),
        (" 1950000 ", 1950000),
        (1950000.0, 1950000),
        (0, 0),
        ("0", 0),
        (MAX_IDR, MAX_IDR),
    ],
)
def test_rupiah_accepts(value: Any, amount: int) -> None:
    loaded = Rupiah().deserialize(value)
    assert loaded == amount
    assert type(loaded) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.950.000,50", "Fractions of a rupiah are not allowed."),
        ("1,950,000.50", "Fractions of a rupiah are not allowed."),
        ("12345.5", "Fractions of a rupiah are not allowed."),
        ("1.95", "Fractions of a rupiah are not allowed."),
        (1950000.5, "Fractions of a rupiah are not allowed."),
        (-1, "Must not be negative."),
        ("-1950000", "Must not be negative."),
        ("-Rp1.950.000", "Must not be negative."),
        (-0.5e3, "Must not be negative."),
        (MAX_IDR + 1, f"Must be at most {MAX_IDR}."),
        (1e300, f"Must be at most {MAX_IDR}."),
        ("abc", "Not a valid rupiah amount."),
        ("", "Not a valid rupiah amount."),
        ("Rp", "Not a valid rupiah amount."),
        ("USD 100", "Not a valid rupiah amount."),
        ("1.950,000", "Not a valid rupiah amount."),
        ("1,950.000", "Not a valid rupiah amount."),
        ("1.950.00", "Not a valid rupiah amount."),
        ("1,95,000", "Not a valid rupiah amount."),
        ("1 950 000", "Not a valid rupiah amount."),
        ("1.950,000.00", "Not a valid rupiah amount."),
        ("\uff11\uff19\uff15\uff10", "Not a valid rupiah amount."),  # fullwidth digits
        (True, "Not a valid rupiah amount."),
        (False, "Not a valid rupiah amount."),
        (math.nan, "Not a valid rupiah amount."),
        (math.inf, "Not a valid rupiah amount."),
        (Decimal("1950000"), "Not a valid rupiah amount."),
        ([1950000], "Not a valid rupiah amount."),
        ("9" * 65, "Not a valid rupiah amount."),
    ],
)
def test_rupiah_rejects(value: Any, message: str) -> None:
    assert messages(Rupiah(), value) == [message]


# Phone


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("+62 (812) 3456.7890", "+6281234567890"),
        ("0811-123-456", "+62811123456"),
        ("0896 1234 5678 9", "+62896123456789"),
        ("021-5550123", "+62215550123"),
        ("(021) 5550 1234", "+622155501234"),
        ("0274 512345", "+62274512345"),
        ("0967 531234", "+62967531234"),
    ],
)
def test_phone_accepts_indonesian_numbers_as_e164(value: str, e164: str) -> None:
    assert Phone().deserialize(value) == e164


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("+1 415 555 0100", "Only Indonesian (+62) phone numbers are accepted."),
        ("+44 20 7946 0958", "Only Indonesian (+62) phone numbers are accepted."),
        ("0812-3456", "Not a valid Indonesian phone number."),
        ("0812-3456-7890-12", "Not a valid Indonesian phone number."),
        ("021-55501", "Not a valid Indonesian phone number."),
        ("0812-34S6-7890", "Not a valid Indonesian phone number."),
        ("0800-1-234567", "Not a valid Indonesian phone number."),
        ("+62 0812 3456 7890", "Not a valid Indonesian phone number."),
        ("0062 812 3456 7890", "Not a valid Indonesian phone number."),
        ("1500-123", "Not a valid Indonesian phone number."),
        ("81234567890", "Not a valid Indonesian phone number."),
        ("", "Not a valid Indonesian phone number."),
        (81234567890, "Not a valid Indonesian phone number."),
        ("0" + "8" * 40, "Not a valid Indonesian phone number."),
    ],
)
def test_phone_rejects(value: Any, message: str) -> None:
    assert messages(Phone(), value) == [message]


# Times


@pytest.mark.parametrize(
    ("value", "zone", "utc"),
    [
        ("2020-03-18T20:23:45Z", "Asia/Jakarta", "2020-03-18T20:23:45+00:00"),
        ("2020-03-18T20:23:45+00:00", "Asia/Jakarta", "2020-03-18T20:23:45+00:00"),
        ("2020-03-18T20:23:45+07:00", "Asia/Jayapura", "2020-03-18T13:23:45+00:00"),
        ("2020-03-18T20:23:45-03:30", "Asia/Jakarta", "2020-03-18T23:53:45+00:00"),
        ("2020-03-18T20:23:45.5Z", "Asia/Jakarta", "2020-03-18T20:23:45.500000+00:00"),
        ("2020-03-18t20:23:45Z", "Asia/Jakarta", "2020-03-18T20:23:45+00:00"),
        ("2020-03-18 20:23:45Z", "Asia/Jakarta", "2020-03-18T20:23:45+00:00"),
        ("2020-03-18 20:23:45", "Asia/Jakarta", "2020-03-18T13:23:45+00:00"),
        ("2020-03-18 20:23:45", "Asia/Makassar", "2020-03-18T12:23:45+00:00"),
        ("2020-03-18 20:23:45", "Asia/Jayapura", "2020-03-18T11:23:45+00:00"),
        ("2020-03-18T20:23", "Asia/Jakarta", "2020-03-18T13:23:00+00:00"),
        ("2020-03-18 03:00:00", "Asia/Jakarta", "2020-03-17T20:00:00+00:00"),
        (
            dt.datetime(2020, 3, 18, 20, 23, 45, tzinfo=dt.UTC),
            "Asia/Jakarta",
            "2020-03-18T20:23:45+00:00",
        ),
        (dt.datetime(2020, 3, 18, 20, 23, 45), "Asia/Makassar", "2020-03-18T12:23:45+00:00"),
    ],
)
def test_times_load_as_utc(value: Any, zone: str, utc: str, in_source: Callable[..., Any]) -> None:
    with in_source(zone):
        assert AwareDateTime().deserialize(value) == utc


@pytest.mark.parametrize(
    "value",
    [
        "2024-06-03T09:00:00.1234Z",
        "2024-06-03T09:00:00.12+07:00",
        "2024-06-03T09:00:00.123456+07:00",
        "2024-06-03T09:00:00+0700",
        "2024-06-03T09:00:00-0230",
        "2024-06-03T09:00:00+07:00:30",
        "2024-06-03 09:00:00+07:00",
        "2024-06-03t09:00:00-07:00",
        "2024-06-03T09:00+07:00",
        "2024-06-03T09:00:00.5",
        "2024-06-03T09:00:00,5Z",
    ],
)
def test_every_shape_of_time_equals_astimezone_utc(value: str, source: Any) -> None:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Jakarta"))
    assert AwareDateTime().deserialize(value) == moment.astimezone(dt.UTC).isoformat()


def test_naive_times_read_in_the_zone_of_the_sibling_field(in_source: Callable[..., Any]) -> None:
    field = AwareDateTime(zone_field="timezone")
    with in_source("Asia/Jakarta"):
        assert (
            field.deserialize("2024-06-03 09:00:00", "starts_at", {"timezone": "Asia/Jayapura"})
            == "2024-06-03T00:00:00+00:00"
        )
        # A sibling that is not a zone leaves the source's zone (its own field rejects it).
        assert (
            field.deserialize("2024-06-03 09:00:00", "starts_at", {"timezone": "Mars/Base"})
            == "2024-06-03T02:00:00+00:00"
        )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2020-03-18", "Not a valid ISO 8601 date and time."),
        ("18/03/2020 20:23", "Not a valid ISO 8601 date and time."),
        ("2020-W12-3T10:00:00", "Not a valid ISO 8601 date and time."),
        ("20200318T202345Z", "Not a valid ISO 8601 date and time."),
        ("2020-03-18X20:23:45", "Not a valid ISO 8601 date and time."),
        ("2020-03-18T25:00:00", "Not a valid ISO 8601 date and time."),
        ("2020-02-30T10:00:00", "Not a valid ISO 8601 date and time."),
        ("2020-03-18T20:23:45 WIB", "Not a valid ISO 8601 date and time."),
        ("", "Not a valid ISO 8601 date and time."),
        (1584563025, "Not a valid ISO 8601 date and time."),
        (True, "Not a valid ISO 8601 date and time."),
        (dt.date(2020, 3, 18), "Not a valid ISO 8601 date and time."),
        (
            "1969-12-31T23:59:59Z",
            "Must be between 1970-01-01T00:00:00+00:00 and 2100-01-01T00:00:00+00:00.",
        ),
        (
            "2100-01-01T00:00:00Z",
            "Must be between 1970-01-01T00:00:00+00:00 and 2100-01-01T00:00:00+00:00.",
        ),
        (
            "1970-01-01 06:59:59",
            "Must be between 1970-01-01T00:00:00+00:00 and 2100-01-01T00:00:00+00:00.",
        ),
        (
            "0001-01-01T00:00:00+07:00",
            "Must be between 1970-01-01T00:00:00+00:00 and 2100-01-01T00:00:00+00:00.",
        ),
    ],
)
def test_times_reject(value: Any, message: str, source: Any) -> None:
    assert messages(AwareDateTime(), value) == [message]


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_timezone_accepts_the_three_zones(zone: str) -> None:
    assert Timezone().deserialize(zone) == zone


@pytest.mark.parametrize(
    "value", ["Asia/Bangkok", "WIB", "UTC", "asia/jakarta", "", 7, ["Asia/Jakarta"]]
)
def test_timezone_rejects_anything_else(value: Any) -> None:
    assert messages(Timezone(), value) == [
        "Must be one of: Asia/Jakarta, Asia/Makassar, Asia/Jayapura."
    ]


# Language tags


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("id", "id"),
        ("ID", "id"),
        ("jv", "jv"),
        ("en-us", "en-US"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("sl-rozaj-biske", "sl-rozaj-biske"),
        ("de-DE-u-co-phonebk", "de-DE-u-co-phonebk"),
        ("en-US-x-Twain", "en-US-x-twain"),
    ],
)
def test_language_tag_accepts_bcp47_in_canonical_case(value: str, canonical: str) -> None:
    assert LanguageTag().deserialize(value) == canonical


@pytest.mark.parametrize(
    "value", ["", "e", "english", "id_ID", "id-", "en--US", "en-US-", "x-foo", 12, None]
)
def test_language_tag_rejects(value: Any) -> None:
    field = LanguageTag(allow_none=False)
    expected = ["Field may not be null."] if value is None else ["Not a valid BCP 47 language tag."]
    assert messages(field, value) == expected


# Text, codes and ids


def test_text_strips_and_checks_its_length() -> None:
    field = Text(max_length=5, required=True)
    assert field.deserialize("  abcde \n") == "abcde"
    assert messages(field, "abcdef") == ["Longer than maximum length 5."]
    assert messages(field, "   ") == ["Must not be blank."]
    assert messages(field, 5) == ["Not a valid string."]


@pytest.mark.parametrize("required", [True, False])
def test_text_refuses_a_nul_character_anywhere(required: bool) -> None:
    # No backend's text column holds one: PostgreSQL would refuse the whole batch.
    field = Text(max_length=5, required=True) if required else Text(max_length=5, load_default=None)
    for value in ["a\x00b", "\x00", " ab\x00 ", "\x00  "]:
        assert messages(field, value) == ["Must not contain a NUL character."]
    assert field.deserialize("a\u00a0b") == "a\u00a0b"  # other characters stay as sent


def test_optional_text_loads_blank_as_null() -> None:
    field = Text(max_length=5, load_default=None)
    assert field.deserialize("  ") is None
    assert field.deserialize(None) is None


def test_text_takes_no_validators() -> None:
    with pytest.raises(ValueError, match="no validators"):
        Text(max_length=5, validate=lambda value: None)


@pytest.mark.parametrize(
    ("value", "loaded"), [(123456789, "123456789"), (0, "0"), ("INV-1", "INV-1")]
)
def test_string_or_int_accepts(value: Any, loaded: str) -> None:
    assert StringOrInt().deserialize(value) == loaded


@pytest.mark.parametrize("value", [True, -1, 1.5, [1], {"a": 1}])
def test_string_or_int_rejects(value: Any) -> None:
    assert messages(StringOrInt(), value) == ["Not a valid string or whole number."]


def test_hub_id_accepts_a_hyphenated_uuid_in_lowercase() -> None:
    value = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    assert HubId().deserialize(value) == value.lower()


@pytest.mark.parametrize(
    "value",
    [
        "6f9619ff8b86d011b42d00c04fc964ff",
        "{6f9619ff-8b86-d011-b42d-00c04fc964ff}",
        "urn:uuid:6f9619ff-8b86-d011-b42d-00c04fc964ff",
        "6f9619ff-8b86-d011-b42d-00c04fc964fg",
        123,
    ],
)
def test_hub_id_rejects(value: Any) -> None:
    assert messages(HubId(), value) == ["Not a valid hub id (a UUID)."]
