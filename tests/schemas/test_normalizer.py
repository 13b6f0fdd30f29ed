"""The public API: Normalizer, RecordInvalid, flatten_errors, and the fast path's fallbacks."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any

import pytest
from marshmallow import INCLUDE, Schema, fields, pre_load, validate, validates_schema

import schemas
from schemas import ENTITY_SCHEMAS, PARTNER_SCHEMA, Normalizer, RecordInvalid, flatten_errors
from schemas._fastpath import compile_happy_loader, compile_loader
from schemas._normalizer import _compiled
from schemas.entities import CourseSchema, PartnerSchema

KEY = b"test-nik-key-0123456789abcdef!!!"
Valid = Callable[[str], dict[str, Any]]


def test_the_public_surface() -> None:
    assert set(schemas.__all__) == {
        "ENTITY_SCHEMAS",
        "PARTNER_SCHEMA",
        "Normalizer",
        "RecordInvalid",
        "export_json_schemas",
        "flatten_errors",
        "json_schema",
        "participant_ref",
    }
    assert set(ENTITY_SCHEMAS) == {"course", "certificate", "payment"}
    assert PARTNER_SCHEMA is PartnerSchema


@pytest.mark.parametrize("entity", ["course", "certificate", "payment", "partner"])
def test_every_entity_has_a_fast_path(entity: str) -> None:
    normalizer = Normalizer(entity, nik_key=KEY)
    assert normalizer.compiled
    assert normalizer.entity == entity
    assert normalizer.timezone == "Asia/Jakarta"


@pytest.mark.parametrize("timezone", ["Asia/Bangkok", "WIB", "UTC", ""])
def test_an_invalid_timezone_fails_at_construction(timezone: str) -> None:
    with pytest.raises(ValueError, match="timezone"):
        Normalizer("course", nik_key=KEY, timezone=timezone)


def test_an_unknown_entity_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="unknown entity"):
        Normalizer("courses", nik_key=KEY)


@pytest.mark.parametrize("key", [b"", b"short", "a text key of enough length"])
def test_a_weak_nik_key_fails_at_construction(key: Any) -> None:
    with pytest.raises(ValueError, match="nik_key"):
        Normalizer("certificate", nik_key=key)


def test_record_invalid_holds_flat_errors_and_no_nik(valid: Valid) -> None:
    record = valid("certificate")
    nik = "3171013002450001"  # 30 February
    record["participant"]["nik"] = nik
    record["attendance"]["sessions_total"] = 0
    with pytest.raises(RecordInvalid) as caught:
        Normalizer("certificate", nik_key=KEY)(record)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.errors == {
        "participant.nik": ["Not a valid NIK: the birth date part is not a date."],
        "attendance.sessions_total": [
            "Must be greater than or equal to 1 and less than or equal to 1000."
        ],
    }
    assert nik not in str(error)
    assert nik not in repr(error.errors)
    # marshmallow's error carries the raw record, so it must not ride along as the cause.
    assert error.__cause__ is None
    assert error.__context__ is None


def test_rules_report_against_the_record(valid: Valid) -> None:
    record = valid("course")
    record["schedules"][1]["schedule_code"] = "SCH-1"
    record["schedules"][1]["location"] = None
    with pytest.raises(RecordInvalid) as caught:
        Normalizer("course", nik_key=KEY)(record)
    assert caught.value.errors == {
        "schedules.1.schedule_code": ["Duplicate schedule_code in schedules."],
        "schedules.1.location": ["Required when delivery_mode is offline."],
    }


def test_inputs_the_fast_path_leaves_to_marshmallow_still_load(valid: Valid) -> None:
    normalizer = Normalizer("course", nik_key=KEY)
    record = valid("course")
    expected = normalizer(record)
    frozen = types.MappingProxyType({**record, "schedules": tuple(record["schedules"])})
    assert normalizer(frozen) == expected


def test_without_a_fast_path_the_results_are_the_same(
    valid: Valid, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = Normalizer("course", nik_key=KEY)
    monkeypatch.setattr("schemas._normalizer.compile_loader", lambda schema: None)
    monkeypatch.setattr("schemas._normalizer.compile_happy_loader", lambda schema: None)
    # Normalizers share one compiled loader per schema: make this one compile anew.
    _compiled.cache_clear()
    slow = Normalizer("course", nik_key=KEY)
    _compiled.cache_clear()
    assert not slow.compiled
    assert slow(valid("course")) == fast(valid("course"))
    bad = {**valid("course"), "price_idr": "lots"}
    with pytest.raises(RecordInvalid) as slow_error:
        slow(bad)
    with pytest.raises(RecordInvalid) as fast_error:
        fast(bad)
    assert (
        slow_error.value.errors
        == fast_error.value.errors
        == {"price_idr": ["Not a valid rupiah amount."]}
    )


# flatten_errors


def test_flatten_errors_joins_paths_with_dots() -> None:
    messages = {
        "_schema": ["Bad record."],
        "title": ["Missing data for required field."],
        "participant": {
            "nik": ["Not a valid NIK: must be a string of 16 digits."],
            "_schema": ["Whole."],
        },
        "schedules": {0: {"starts_at": ["a", "b"]}, 2: {"_schema": ["Invalid input type."]}},
        "skills": {1: ["Must not be blank."]},
        "mixed": ["flat", {"deep": ["inner"]}],
    }
    assert flatten_errors(messages) == {
        "_schema": ["Bad record."],
        "title": ["Missing data for required field."],
        "participant.nik": ["Not a valid NIK: must be a string of 16 digits."],
        "participant": ["Whole."],
        "schedules.0.starts_at": ["a", "b"],
        "schedules.2": ["Invalid input type."],
        "skills.1": ["Must not be blank."],
        "mixed": ["flat"],
        "mixed.deep": ["inner"],
    }


def test_flatten_errors_of_a_bare_list_is_record_level() -> None:
    assert flatten_errors(["Invalid input type."]) == {"_schema": ["Invalid input type."]}


# What the compiler refuses, so that such schemas stay on marshmallow


class _Plain(Schema):
    name = fields.String(required=True)


class _Hooked(Schema):
    name = fields.String()

    @pre_load
    def _trim(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return data


class _SchemaValidated(Schema):
    name = fields.String()

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        return None


class _Lambda(Schema):
    name = fields.String(validate=lambda value: None)


class _FieldPreLoad(Schema):
    name = fields.String(pre_load=str.strip)


class _UnknownField(Schema):
    flag = fields.Boolean()


class _ManyNested(Schema):
    items = fields.Nested(_Plain, many=True)


class _CustomString(fields.String):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return str(value).upper()


class _Subclassed(Schema):
    name = _CustomString()


class _Included(Schema):
    class Meta:
        unknown = INCLUDE

    name = fields.String()


class _Predicate(Schema):
    name = fields.String(validate=validate.Predicate("isidentifier"))


def test_a_plain_schema_compiles() -> None:
    assert compile_loader(_Plain()) is not None
    assert compile_loader(CourseSchema()) is not None


@pytest.mark.parametrize(
    "schema",
    [
        _Hooked,
        _SchemaValidated,
        _Lambda,
        _FieldPreLoad,
        _UnknownField,
        _ManyNested,
        _Subclassed,
        _Included,
        _Predicate,
    ],
)
def test_what_the_compiler_does_not_know_stays_on_marshmallow(schema: type[Schema]) -> None:
    assert compile_loader(schema()) is None
    assert compile_happy_loader(schema()) is None


def test_the_generated_code_reads_back() -> None:
    # A debugging aid: the happy path of a course, its schedules inline, as Python source.
    happy = compile_happy_loader(CourseSchema())
    assert happy is not None
    source = inspect.getsource(happy)
    assert source.startswith("def load(data, ctx):")
    assert "for x in " in source
    assert "'schedule_code'" in source
    loader = _compiled(CourseSchema)[2]
    assert loader is not None
    assert inspect.getsource(loader).startswith("def load(data):")
