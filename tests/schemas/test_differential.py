"""The fast path against marshmallow, on generated records: the same verdict, the same document.

Records start from valid ones and are corrupted field by field: values swapped for other valid
forms, for invalid ones (wrong types, out of range, odd money, bad NIKs, naive and aware
times in any order), for arbitrary JSON, dropped, or joined by unknown fields.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from stdnum.id import nik as stdnum_nik

from schemas import ENTITY_SCHEMAS, PARTNER_SCHEMA, Normalizer, RecordInvalid, flatten_errors
from schemas._context import ZONE_INFO, LoadContext, source_context
from schemas._fastpath import HappyLoader, Loader, Reject, compile_happy_loader, compile_loader
from schemas.fields import MAX_IDR, NIK_PROVINCES_WITHOUT_REGENCIES, AwareDateTime, Nik

KEY = b"test-nik-key-0123456789abcdef!!!"
ZONES = list(ZONE_INFO)
SCHEMAS: dict[str, Schema] = {name: cls() for name, cls in ENTITY_SCHEMAS.items()}
SCHEMAS["partner"] = PARTNER_SCHEMA()
LOADERS: dict[str, Loader] = {}
for _name, _schema in SCHEMAS.items():
    _loader = compile_loader(_schema)
    assert _loader is not None
    LOADERS[_name] = _loader
HAPPY: dict[str, HappyLoader] = {}
for _name, _schema in SCHEMAS.items():
    _happy = compile_happy_loader(_schema)
    assert _happy is not None
    HAPPY[_name] = _happy
NORMALIZERS = {
    (entity, zone): Normalizer(entity, nik_key=KEY, timezone=zone)
    for entity in SCHEMAS
    for zone in ZONES
}
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values, valid and invalid, per kind of field.

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


class Pool(NamedTuple):
    """A field's values: a strategy of valid ones, one of any, and the list of them all."""

    valid: st.SearchStrategy[Any]
    any: st.SearchStrategy[Any]
    values: list[Any]


def pool(valid: list[Any], invalid: list[Any]) -> Pool:
    return Pool(st.sampled_from(valid), st.sampled_from(valid + invalid), valid + invalid)


def items(item: Pool) -> Pool:
    """Lists of an item pool's values; and a list of each value, then other things."""
    singles: list[Any] = [[value] for value in item.values]
    return Pool(
        st.lists(item.valid, max_size=3),
        st.lists(item.any, max_size=3),
        [*singles, [], "x", None, {}, (item.values[0],), [item.values[0]] * 60],
    )


def moments() -> st.SearchStrategy[str | dt.datetime]:
    """A time in any of the forms partners send, or a datetime, in or out of range."""

    def write(moment: dt.datetime, form: int, offset: int) -> str | dt.datetime:
        if form == 0:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if form == 1:
            zone = dt.timezone(dt.timedelta(minutes=offset))
            return moment.replace(tzinfo=zone).isoformat()
        if form == 2:
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        if form == 3:
            return moment.isoformat(timespec="minutes")
        return moment

    return st.builds(
        write,
        st.datetimes(min_value=dt.datetime(1969, 12, 30), max_value=dt.datetime(2100, 1, 2)),
        st.integers(0, 4),
        st.integers(-14 * 60, 14 * 60),
    )


CODE = pool(
    ["C-1", "x" * 64, "Kursus 1", "ÜMLAUT"],
    ["", " C", "C\n", "x" * 65, "x" * 128, "x" * 129, "a\x00b", 12, None],
)
TEXT = pool(
    ["Judul", "  Judul  ", "x" * 100, "Kota Bandung"],
    [
        "",
        "   ",
        "x" * 101,
        "x" * 255,
        f" {'x' * 255} ",
        "x" * 256,
        "x" * 20001,
        "Jud\x00ul",
        " \x00",
        5,
        None,
        ["a"],
    ],
)
MONEY = pool(
    [
        1950000,
        "1950000",
        "Rp1.950.000",
        "Rp 1.950.000,00",
        "1,950,000",
        "IDR 1.950.000",
        1950000.0,
        "12345.00",
        "1.950",
        0,
        1,
    ],
    [
        "1.950.000,50",
        1950000.5,
        -5,
        "-5",
        "abc",
        True,
        None,
        math.nan,
        math.inf,
        2**60,
        "",
        [],
        "1.950,000",
        "Rp0",
        MAX_IDR,
        MAX_IDR + 1,
    ],
)
TIME_POOL = [
    "2024-06-03T09:00:00Z",
    "2024-06-03T09:00:00+07:00",
    "2024-06-03 09:00:00",
    "2024-06-03T16:00",
    "2024-06-03T09:00:00.250000+09:00",
    # A naive datetime is read in the source's zone: the happy path leaves it to the fast path,
    # which reads the zone from the context variable.
    dt.datetime(2024, 6, 3, 9, 30),
    dt.datetime(2024, 6, 3, 2, 0, tzinfo=dt.UTC),
]
TIME_BAD = [
    "2024-06-03",
    "1969-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    "2024-02-30T09:00:00",
    "tomorrow",
    1717405200,
    None,
]
NIKS = pool(
    [
        "3171011708450001",
        "3171015708450001",
        "3273014101990003",
        "1101017112000001",
        "6571011708450001",
        "9405015708900001",
    ],
    [
        "\u0663" * 16,  # digits, but not ASCII ones
        "317101170845000\u00b2",  # a superscript two is a digit to str.isdigit
        "".join(chr(0xFF10 + int(digit)) for digit in "3171011708450001"),  # fullwidth digits
        "6500011708450001",
        "9971011708450001",
        "3199011708450001",
        "3171013002450001",
        "3171018508450001",
        "317101170845000",
        3171011708450001,
        "317101170845000a",
        None,
    ],
)
PHONE = pool(
    ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "021-5550123"],
    ["+1 415 555 0100", "0812", 81234567890, None, "abc", "0800-1-234567"],
)
ZONE = pool(ZONES, ["UTC", "", None, 7, "Asia/Bangkok"])
LANGUAGE = pool(["id", "en-US", "ID", "jv", "zh-hant-tw"], ["english", "", None, 5, "id_ID"])
URL = pool(
    ["https://kursus.example.co.id/1", "http://localhost:8000/x"],
    [
        "ftp://x.co.id",
        "not a url",
        "",
        None,
        5,
        "https://",
        "https://kursus.example.co.id/a\x00b",
        "https://kursus.example.co.id/\x7f",
        "https://kursus.example.co.id/\u00e9\u200b",
    ],
)
REDEEM = pool(["GHOPNYXUVMT0", "PRAT-7YHQ2K"], ["ghopnyxuvmt0", "SHORT", None, 12])
HUB_ID = pool(
    ["6F9619FF-8B86-D011-B42D-00C04FC964FF", "6f9619ff-8b86-d011-b42d-00c04fc964ff"],
    ["x", None, 5, "6f9619ff8b86d011b42d00c04fc964ff"],
)
INVOICE = pool([123, "INV-1", 0], [-1, True, 1.5, None, "", " x"])
KKNI = pool([1, 5, 9, None], [0, 10, -1, "5", 5.0, True, 2**70])
QUOTA = pool([1, 40, None], [0, -1, "40", 40.5, 100_000, 100_001])
HOURS = pool(
    [0.5, 15, 20, 16.5, "12.5"],
    [0, 0.0, -1, "abc", math.nan, math.inf, True, None, 10**400, 10_000, 10_000.5, "1e3"],
)
SCORE = pool([0, 80, 92.5, 100, None], [-1, 100.5, -0.0, "A", math.nan, True])
COUNT = pool([0, 1, 4, 8], [-1, 1000, 1001, "4", 4.0, None, True])
TOTAL = pool([1, 4, 8], [0, -1, "4", None, 1000, 1001])
EMAIL = pool(["andi@majujaya.co.id", None], ["andi@", "", 5])
KBJI = pool(["2431", "2431.01", "2512.123"], ["25", "2431.1", 2431, None, ""])
SCHEDULE_CODE = pool(["S1", "S2", "S3"], ["", None, 5])


def enum(values: list[str]) -> Pool:
    return pool(values, ["", "X", None, 1, values[0].upper()])


Spec = Mapping[str, Any]
CORRUPTIONS = ["valid"] * 16 + ["any"] * 3 + ["json", "drop"]


def records(spec: Spec, *, valid_only: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A record with the fields of `spec`: each a `Pool`, a nested spec (dict), or a list of
    one nested spec (a list of records)."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, kind in spec.items():
            # Mostly valid values, so that a record often breaks one rule at a time.
            action = "valid" if valid_only else draw(st.sampled_from(CORRUPTIONS))
            if action == "drop":
                continue
            if action == "json":
                out[key] = draw(JSON)
            elif isinstance(kind, dict):
                out[key] = draw(records(kind, valid_only=valid_only))
            elif isinstance(kind, list):
                out[key] = draw(st.lists(records(kind[0], valid_only=valid_only), max_size=3))
            else:
                out[key] = draw(kind.valid if action == "valid" else kind.any)
        if not valid_only and draw(st.integers(0, 9)) == 0:
            out[draw(st.sampled_from(["id", "revision", "created_at", "extra", "NIK"]))] = draw(
                JSON
            )
        return out

    return build()


SCHEDULE: Spec = {
    "schedule_code": SCHEDULE_CODE,
    "starts_at": pool(TIME_POOL, TIME_BAD),
    "ends_at": pool(["2024-06-03T16:00:00Z", *TIME_POOL], TIME_BAD),
    "timezone": ZONE,
    "location": TEXT,
    "quota": QUOTA,
}
PARTICIPANT: Spec = {"nik": NIKS, "name": TEXT}
SPECS: dict[str, Spec] = {
    "course": {
        "external_id": CODE,
        "title": TEXT,
        "description": TEXT,
        "category": TEXT,
        "language": LANGUAGE,
        "delivery_mode": enum(["self_paced", "webinar", "offline", "blended"]),
        "duration_hours": HOURS,
        "price_idr": MONEY,
        "occupation_codes": items(KBJI),
        "kkni_level": KKNI,
        "skills": items(TEXT),
        "status": enum(["active", "inactive"]),
        "url": URL,
        "schedules": [SCHEDULE],
    },
    "certificate": {
        "external_id": CODE,
        "certificate_number": CODE,
        "course_external_id": CODE,
        "schedule_code": SCHEDULE_CODE,
        "participant": PARTICIPANT,
        "redeem_code": REDEEM,
        "completed_at": pool(TIME_POOL, TIME_BAD),
        "issued_at": pool(TIME_POOL, TIME_BAD),
        "score": SCORE,
        "attendance": {"sessions_attended": COUNT, "sessions_total": TOTAL},
        "status": enum(["issued", "revoked"]),
    },
    "payment": {
        "external_id": CODE,
        "type": enum(["purchase", "disbursement", "refund", "reversal"]),
        "amount_idr": MONEY,
        "fee_idr": MONEY,
        "status": enum(["pending", "succeeded", "failed", "reversed"]),
        "participant": PARTICIPANT,
        "invoice_code": INVOICE,
        "transaction_code": CODE,
        "redeem_code": REDEEM,
        "certificate_id": HUB_ID,
        "occurred_at": pool(TIME_POOL, TIME_BAD),
        "settled_at": pool(TIME_POOL, TIME_BAD),
    },
    "partner": {
        "kind": enum(["training_provider", "platform", "payment_partner"]),
        "code": pool(["lpk-maju", "tokopedia", "bni_46"], ["LPK", "a", "lpk maju", None]),
        "name": TEXT,
        "status": enum(["active", "suspended"]),
        "contact": {"name": TEXT, "email": EMAIL, "phone": PHONE},
    },
}


def outcome(
    load: Callable[[Any], Any], rejection: type[Exception], record: Any, zone: str
) -> tuple[str, Any]:
    with source_context(LoadContext(zone_name=zone, nik_key=KEY)):
        try:
            return "accepted", load(record)
        except rejection:
            return "rejected", None
        except Exception as error:  # a crash must be the same crash
            return "crashed", type(error)


def assert_same(entity: str, record: Any, zone: str) -> tuple[str, Any]:
    original = repr(record)
    slow = outcome(SCHEMAS[entity].load, ValidationError, record, zone)
    # Twice: the second load takes what the first remembered (times, amounts, URL hosts).
    for _ in range(2):
        fast = outcome(LOADERS[entity], Reject, record, zone)
        assert fast[0] == slow[0], (fast, slow)
        if slow[0] == "accepted":
            assert fast[1] == slow[1]
            assert orjson.dumps(fast[1]) == orjson.dumps(slow[1])
    assert repr(record) == original, "a load changed its input"
    assert_happy_agrees(HAPPY[entity], record, LoadContext(zone_name=zone, nik_key=KEY), slow)
    return slow


def assert_happy_agrees(
    happy: HappyLoader, record: Any, context: LoadContext, slow: tuple[str, Any]
) -> bool:
    """The happy path accepts only what marshmallow accepts, as marshmallow loads it, and
    otherwise rejects (never crashes); True when it accepted. It runs outside the context
    (whose variable then holds the defaults: WIB, no key), so reading that would show."""
    original = repr(record)
    for _ in range(2):  # the second load takes what the first remembered
        try:
            document = happy(record, context)
        except Reject:
            accepted = False
        else:
            accepted = True
            assert slow[0] == "accepted"
            assert document == slow[1]
            assert orjson.dumps(document) == orjson.dumps(slow[1])
    assert repr(record) == original, "a load changed its input"
    return accepted


ENTITY = st.sampled_from(sorted(SPECS))


@FAST
@given(data=st.data(), entity=ENTITY, zone=st.sampled_from(ZONES))
def test_valid_forms_load_the_same(data: st.DataObject, entity: str, zone: str) -> None:
    assert_same(entity, data.draw(records(SPECS[entity], valid_only=True)), zone)


@FAST
@given(data=st.data(), entity=ENTITY, zone=st.sampled_from(ZONES))
def test_corrupted_records_get_the_same_verdict(
    data: st.DataObject, entity: str, zone: str
) -> None:
    assert_same(entity, data.draw(records(SPECS[entity], valid_only=False)), zone)


def _json_shaped(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_json_shaped(each) for each in value.values())
    if isinstance(value, list):
        return all(_json_shaped(each) for each in value)
    return value is None or type(value) in (str, int, float, bool)


@FAST
@given(data=st.data(), entity=ENTITY, zone=st.sampled_from(ZONES))
def test_valid_json_records_take_the_happy_path(
    data: st.DataObject, entity: str, zone: str
) -> None:
    # Whatever a partner can send as JSON and marshmallow accepts, the happy path accepts (so
    # the Normalizer never sets the context variable for a valid record).
    record = data.draw(records(SPECS[entity], valid_only=True).filter(_json_shaped))
    slow = assert_same(entity, record, zone)
    context = LoadContext(zone_name=zone, nik_key=KEY)
    assert assert_happy_agrees(HAPPY[entity], record, context, slow) == (slow[0] == "accepted")


def corrupt(data: st.DataObject, record: dict[str, Any], spec: Spec) -> None:
    """Change one field of `record`, at any depth: another value, arbitrary JSON, or none."""
    draw = data.draw
    key = draw(st.sampled_from(sorted(spec)))
    kind = spec[key]
    value = record.get(key)
    if isinstance(kind, dict) and isinstance(value, dict) and draw(st.booleans()):
        corrupt(data, value, kind)
    elif isinstance(kind, list) and isinstance(value, list) and value and draw(st.booleans()):
        corrupt(data, draw(st.sampled_from(value)), kind[0])
    elif draw(st.integers(0, 5)) == 0:
        record.pop(key, None)
    else:
        record[key] = draw(JSON if isinstance(kind, dict | list) else kind.any | JSON)


DROP = object()


def base(spec: Spec) -> dict[str, Any]:
    """A valid record: the first valid value of every field, one item in every list."""
    record: dict[str, Any] = {}
    for key, kind in spec.items():
        if isinstance(kind, dict):
            record[key] = base(kind)
        elif isinstance(kind, list):
            record[key] = [base(kind[0])]
        else:
            record[key] = kind.values[0]
    return record


def changes(spec: Spec) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every (path, value) of a single change: each value of each field, its absence, and an
    unknown field beside it."""
    yield ("id",), "x"
    for key, kind in spec.items():
        if isinstance(kind, dict | list):
            nested = kind if isinstance(kind, dict) else kind[0]
            prefix: tuple[str | int, ...] = (key,) if isinstance(kind, dict) else (key, 0)
            for path, value in changes(nested):
                yield (*prefix, *path), value
            for value in (DROP, None, [], {}, "x"):
                yield (key,), value
        else:
            for value in [*kind.values, DROP]:
                yield (key,), value


def changed(record: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    record = copy.deepcopy(record)
    target: Any = record
    for part in path[:-1]:
        target = target[part]
    if value is DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return record


@pytest.mark.parametrize("entity", sorted(SPECS))
@pytest.mark.parametrize("zone", ZONES)
def test_every_single_change_gets_the_same_verdict(entity: str, zone: str) -> None:
    valid = base(SPECS[entity])
    slow = assert_same(entity, valid, zone)
    assert slow[0] == "accepted"
    # The first valid value of every field is in its usual form: the happy path takes it.
    assert assert_happy_agrees(HAPPY[entity], valid, LoadContext(zone_name=zone, nik_key=KEY), slow)
    for path, value in changes(SPECS[entity]):
        assert_same(entity, changed(valid, path, value), zone)


@FAST
@given(data=st.data(), entity=ENTITY, zone=st.sampled_from(ZONES))
def test_one_wrong_field_gets_the_same_verdict(data: st.DataObject, entity: str, zone: str) -> None:
    record = data.draw(records(SPECS[entity], valid_only=True))
    corrupt(data, record, SPECS[entity])
    assert_same(entity, record, zone)


@FAST
@given(data=st.data(), zone=st.sampled_from(ZONES))
def test_schedules_in_any_order_load_the_same(data: st.DataObject, zone: str) -> None:
    times = moments()
    schedules = data.draw(
        st.lists(
            st.fixed_dictionaries(
                {"schedule_code": SCHEDULE_CODE.valid, "starts_at": times, "ends_at": times},
                optional={"timezone": ZONE.any, "location": TEXT.any},
            ),
            max_size=4,
        )
    )
    course = {
        "external_id": "C",
        "title": "T",
        "delivery_mode": data.draw(enum(["offline", "webinar"]).valid),
    }
    assert_same(
        "course", {**course, "duration_hours": 15, "price_idr": 0, "schedules": schedules}, zone
    )


@FAST
@given(data=st.data(), entity=ENTITY, zone=st.sampled_from(ZONES))
def test_the_normalizer_answers_as_marshmallow_words_it(
    data: st.DataObject, entity: str, zone: str
) -> None:
    record = data.draw(
        st.one_of(records(SPECS[entity], valid_only=True), records(SPECS[entity], valid_only=False))
    )
    verdict, document = assert_same(entity, record, zone)
    normalizer = NORMALIZERS[entity, zone]
    participant = record.get("participant")
    nik = participant.get("nik") if isinstance(participant, dict) else None
    if verdict == "accepted":
        assert normalizer(record) == document
        assert not isinstance(nik, str) or nik not in orjson.dumps(document).decode()
        return
    if verdict == "crashed":
        return
    with source_context(LoadContext(zone_name=zone, nik_key=KEY)):
        try:
            SCHEMAS[entity].load(record)
        except ValidationError as error:
            expected = flatten_errors(error.messages)
    with pytest.raises(RecordInvalid) as caught:
        normalizer(record)
    assert caught.value.errors == expected
    assert not isinstance(nik, str) or len(nik) < 8 or nik not in repr(caught.value.errors)


CERTIFICATE_NAIVE = {
    **base(SPECS["certificate"]),
    "completed_at": "2024-06-03 09:00:00",
    "issued_at": "2024-06-03 10:00:00",
}


class _ZoneName(str):
    """A str subclass: the zone field's value that only naive_zone reads as a zone."""


@pytest.mark.parametrize(
    "timezone",
    [None, "absent", *ZONES, "UTC", 7, ["Asia/Jayapura"], _ZoneName("Asia/Jayapura")],
)
def test_remembered_times_follow_the_zone(timezone: Any) -> None:
    # The same naive text in another zone is another time: a memo keyed by text alone would
    # answer with the zone of the first load.
    schedule: dict[str, Any] = {
        "schedule_code": "S1",
        "starts_at": "2024-06-03 09:00:00",
        "ends_at": "2024-06-03 23:30:00",
    }
    if timezone != "absent":
        schedule["timezone"] = timezone
    course = {**base(SPECS["course"]), "schedules": [schedule]}
    for _ in range(2):
        for zone in ZONES:
            assert_same("course", course, zone)
            assert_same("certificate", CERTIFICATE_NAIVE, zone)


@pytest.mark.parametrize("key", [None, b"short", bytearray(KEY)])
def test_a_context_without_a_usable_key_fails_alike(key: Any) -> None:
    record = base(SPECS["certificate"])
    with source_context(LoadContext(nik_key=key)):
        slow = _outcome_here(SCHEMAS["certificate"].load, ValidationError, record)
        fast = _outcome_here(LOADERS["certificate"], Reject, record)
    assert slow[0] == "crashed"
    assert fast == slow


def _outcome_here(load: Callable[[Any], Any], rejection: type[Exception], record: Any) -> Any:
    try:
        return "accepted", load(record)
    except rejection:
        return "rejected", None
    except Exception as error:
        return "crashed", type(error)


# The shortcuts the field types take, against the plain computation they replace.


@settings(max_examples=500, deadline=None)
@given(moment=moments(), zone=st.sampled_from(ZONES), as_text=st.booleans())
def test_times_equal_astimezone_utc(moment: str | dt.datetime, zone: str, as_text: bool) -> None:
    if isinstance(moment, dt.datetime) and as_text:
        moment = moment.isoformat()
    parsed = moment if isinstance(moment, dt.datetime) else dt.datetime.fromisoformat(moment)
    if parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=ZONE_INFO[zone])
    utc = parsed.astimezone(dt.UTC)
    in_range = (
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC) <= utc < dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    )
    with source_context(LoadContext(zone_name=zone)):
        try:
            loaded: str | None = AwareDateTime().deserialize(moment)
        except ValidationError:
            loaded = None
    assert loaded == (utc.isoformat() if in_range else None)


@settings(max_examples=500, deadline=None)
@given(
    first=st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2099, 12, 31)),
    second=st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2099, 12, 31)),
)
def test_loaded_times_sort_as_text_as_they_do_in_time(
    first: dt.datetime, second: dt.datetime
) -> None:
    # NotBefore compares AwareDateTime's text.
    with source_context(LoadContext()):
        first_text = AwareDateTime().deserialize(first.replace(tzinfo=dt.UTC))
        second_text = AwareDateTime().deserialize(second.isoformat() + "Z")
    assert (first_text < second_text) == (first < second)
    assert (first_text == second_text) == (first == second)


@settings(max_examples=500, deadline=None)
@given(
    place=st.sampled_from(
        [
            *("3171", "1101", "3273", "9471", "6571", "9999", "0000", "3199", "1001", "6500"),
            *("6501", "9111", "9128", "9202", "9271", "9301", "9405", "9501", "9671", "9700"),
        ]
    )
    | st.text("0123456789", min_size=4, max_size=4),
    rest=st.text("0123456789", min_size=12, max_size=12),
)
def test_nik_accepts_only_what_stdnum_accepts(place: str, rest: str) -> None:
    number = place + rest
    try:
        Nik().validated(number)
    except ValidationError as error:
        messages = repr(error.messages)
    else:
        if number[:2] in NIK_PROVINCES_WITHOUT_REGENCIES:
            # Provinces stdnum lacks or numbers otherwise: any regency but 00.
            assert number[2:4] != "00"
        else:
            assert stdnum_nik.is_valid(number)
        assert int(number[6:8]) % 40 == stdnum_nik.get_birth_date(number).day
        return
    assert number not in messages


# marshmallow features the entities do not use, which the compiler still copies.


class _Inner(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Regexp("[A-Z]"))


class _Noted(Schema):
    code = fields.String(required=True)
    note = fields.String()


class _Assorted(Schema):
    name = fields.String(
        data_key="Name", validate=validate.And(validate.Length(1, 5), validate.Regexp("[a-z]"))
    )
    count = fields.Integer(validate=validate.Range(min=0, max=10, max_inclusive=False))
    ratio = fields.Float(load_default=0.5)
    email = fields.Email(allow_none=True)
    numbers = fields.List(fields.Integer(strict=True), validate=validate.Length(equal=2))
    inner = fields.Nested(_Inner, unknown=RAISE)
    loose = fields.Nested(_Inner)
    level = fields.String(validate=validate.OneOf([1, "high"]))
    word = fields.String(validate=[validate.NoneOf(["no"]), validate.Equal("yes")])
    optional = fields.String()
    renamed = fields.Integer(attribute="renamed_to")
    # A list's nested items with a validator of their own (on the loaded dict).
    boxes = fields.List(fields.Nested(_Noted, validate=validate.Length(max=1)))


ASSORTED = _Assorted()
ASSORTED_LOADER = compile_loader(ASSORTED)
ASSORTED_HAPPY = compile_happy_loader(ASSORTED)
ASSORTED_VALUES: dict[str, list[Any]] = {
    "Name": ["ab", "abcdef", "AB", "", 5, None],
    "count": [0, 9, 10, -1, "3", 3.0, 3.5, True, None],
    "ratio": [0.25, 1, "2.5", "nan", math.inf, None, "x"],
    "email": ["a@b.co", "a@", None, 5],
    "numbers": [[1, 2], [1], [1, "2"], (1, 2), "12", None],
    "inner": [{"code": "A"}, {"code": "a"}, {"code": "A", "x": 1}, {}, [], None],
    "loose": [{"code": "A"}, {"code": "A", "x": 1}, {"code": 1}],
    "level": ["high", "low", 1, None],
    "word": ["yes", "no", "maybe"],
    "optional": ["x", None, 1],
    "renamed": [1, "1", None],
    "boxes": [[{"code": "A"}], [{"code": "A", "note": "n"}], [], [{"code": 1}], [None], "x"],
    "unknown": [1],
}


@FAST
@given(
    record=st.fixed_dictionaries(
        {}, optional={key: st.sampled_from(values) for key, values in ASSORTED_VALUES.items()}
    )
    | JSON
)
def test_other_marshmallow_features_load_the_same(record: Any) -> None:
    assert ASSORTED_LOADER is not None
    assert ASSORTED_HAPPY is not None
    slow = outcome(ASSORTED.load, ValidationError, record, "Asia/Jakarta")
    fast = outcome(ASSORTED_LOADER, Reject, record, "Asia/Jakarta")
    assert fast == slow
    assert_happy_agrees(ASSORTED_HAPPY, record, LoadContext(), slow)


@pytest.mark.parametrize(
    ("key", "value"), [(key, value) for key, values in ASSORTED_VALUES.items() for value in values]
)
def test_each_other_feature_alone_loads_the_same(key: str, value: Any) -> None:
    assert ASSORTED_LOADER is not None
    assert ASSORTED_HAPPY is not None
    record = {key: value}
    slow = outcome(ASSORTED.load, ValidationError, record, "Asia/Jakarta")
    assert outcome(ASSORTED_LOADER, Reject, record, "Asia/Jakarta") == slow
    assert_happy_agrees(ASSORTED_HAPPY, record, LoadContext(), slow)
