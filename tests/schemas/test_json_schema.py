"""JSON Schema export: generated from the marshmallow schemas, and it agrees with them on
known-good and known-bad records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from marshmallow import Schema, fields, validate

from schemas import export_json_schemas, json_schema
from schemas.entities import CourseSchema

Valid = Callable[[str], dict[str, Any]]
ENTITIES = ("course", "certificate", "payment", "partner")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("json-schemas") / "v1"
    paths = export_json_schemas(directory)
    assert [path.name for path in paths] == [f"{entity}.schema.json" for entity in ENTITIES]
    return {path.name.split(".")[0]: json.loads(path.read_text()) for path in paths}


def validator(document: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(
        document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize("entity", ENTITIES)
def test_each_export_is_a_draft_2020_12_schema(entity: str, exported: dict[str, Any]) -> None:
    document = exported[entity]
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == f"urn:partner-hub:common-schema:v1:{entity}"
    assert document["title"]
    assert document["type"] == "object"
    assert document["additionalProperties"] is False
    jsonschema.Draft202012Validator.check_schema(document)


@pytest.mark.parametrize("entity", ENTITIES)
def test_known_good_records_validate(entity: str, exported: dict[str, Any], valid: Valid) -> None:
    validator(exported[entity]).validate(valid(entity))


@pytest.mark.parametrize(
    ("entity", "change", "path"),
    [
        ("course", {"title": None}, "title"),
        ("course", {"title": "   "}, "title"),
        ("course", {"title": "Jud\x00ul"}, "title"),
        ("course", {"description": "\x00"}, "description"),
        ("course", {"url": "https://kursus.example.co.id/a\x07b"}, "url"),
        ("course", {"id": "x"}, ""),
        ("course", {"delivery_mode": "online"}, "delivery_mode"),
        ("course", {"duration_hours": 0}, "duration_hours"),
        ("course", {"price_idr": -1}, "price_idr"),
        ("course", {"price_idr": "Rp1.950.000,50"}, "price_idr"),
        ("course", {"kkni_level": 10}, "kkni_level"),
        ("course", {"occupation_codes": ["25"]}, "occupation_codes/0"),
        ("course", {"external_id": " padded"}, "external_id"),
        ("course", {"external_id": "x" * 129}, "external_id"),
        ("course", {"language": "english"}, "language"),
        (
            "course",
            {"schedules": [{"schedule_code": "A", "starts_at": "2024-06-03T09:00:00Z"}]},
            "schedules/0",
        ),
        (
            "course",
            {
                "schedules": [
                    {"schedule_code": "A", "starts_at": "x", "ends_at": "y", "timezone": "UTC"}
                ]
            },
            "schedules/0/timezone",
        ),
        ("certificate", {"redeem_code": "short"}, "redeem_code"),
        ("certificate", {"participant": {"nik": "12345", "name": "Siti"}}, "participant/nik"),
        ("certificate", {"participant": {"name": "Siti"}}, "participant"),
        ("certificate", {"score": 101}, "score"),
        (
            "certificate",
            {"attendance": {"sessions_attended": 1, "sessions_total": 0}},
            "attendance/sessions_total",
        ),
        ("certificate", {"status": "draft"}, "status"),
        ("payment", {"amount_idr": 0}, "amount_idr"),
        ("payment", {"invoice_code": -1}, "invoice_code"),
        ("payment", {"certificate_id": "not-a-uuid"}, "certificate_id"),
        ("payment", {"type": "topup"}, "type"),
        ("partner", {"code": "Not A Slug"}, "code"),
        ("partner", {"kind": "bank"}, "kind"),
        ("partner", {"external_id": "P-1"}, ""),
    ],
)
def test_known_bad_records_fail(
    entity: str, change: dict[str, Any], path: str, exported: dict[str, Any], valid: Valid
) -> None:
    errors = list(validator(exported[entity]).iter_errors({**valid(entity), **change}))
    assert errors
    assert path in {"/".join(str(part) for part in error.absolute_path) for error in errors}


@pytest.mark.parametrize("field", ["invoice_code", "transaction_code"])
@pytest.mark.parametrize("absent", ["left out", "null"])
def test_a_purchase_needs_its_codes_and_other_payments_do_not(
    field: str, absent: str, exported: dict[str, Any], valid: Valid
) -> None:
    check = validator(exported["payment"])
    record = valid("payment")
    if absent == "null":
        record[field] = None
    else:
        del record[field]
    assert record["type"] == "purchase"
    assert not check.is_valid(record)
    for kind in ["disbursement", "refund", "reversal"]:
        check.validate({**record, "type": kind})


def test_the_nik_is_write_only_and_optional_fields_nullable(exported: dict[str, Any]) -> None:
    participant = exported["certificate"]["properties"]["participant"]
    assert participant["properties"]["nik"]["writeOnly"] is True
    assert participant["required"] == ["nik", "name"]
    course = exported["course"]["properties"]
    assert course["kkni_level"]["type"] == ["integer", "null"]
    assert course["language"]["default"] == "id"
    assert course["schedules"]["default"] == []
    assert course["delivery_mode"]["enum"] == ["self_paced", "webinar", "offline", "blended"]
    assert course["url"]["format"] == "uri"
    assert exported["payment"]["properties"]["occurred_at"]["format"] == "date-time"


def test_the_export_follows_the_marshmallow_schema() -> None:
    class Extended(CourseSchema):
        provider_note = fields.String(validate=validate.Length(max=10))

    document = json_schema(Extended, title="Extended course")
    assert document["title"] == "Extended course"
    assert document["properties"]["provider_note"] == {"type": "string", "maxLength": 10}
    assert "provider_note" not in json_schema(CourseSchema(), title="Course")["properties"]


class _ConnectorConfig(Schema):
    base_url = fields.Url(required=True, metadata={"description": "Where the API lives."})
    api_key = fields.String(required=True, metadata={"secret": True})
    page_size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    verify_tls = fields.Boolean(load_default=True)
    headers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    mode = fields.String(validate=validate.OneOf(["full", "incremental"]))


def test_connector_configs_reuse_the_converter() -> None:
    document = json_schema(_ConnectorConfig, title="JSON API connector")
    properties = document["properties"]
    assert properties["api_key"] == {"type": "string", "writeOnly": True}
    assert properties["base_url"] == {
        "type": "string",
        "format": "uri",
        "description": "Where the API lives.",
    }
    assert properties["page_size"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
        "default": 100,
    }
    assert properties["verify_tls"] == {"type": "boolean", "default": True}
    assert properties["headers"] == {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "default": {},
    }
    assert properties["mode"]["enum"] == ["full", "incremental"]
    assert document["required"] == ["base_url", "api_key"]


def test_a_field_without_a_converter_is_an_error() -> None:
    class Odd(Schema):
        interval = fields.TimeDelta()

    with pytest.raises(TypeError, match="TimeDelta"):
        json_schema(Odd, title="Odd")


def test_export_creates_its_directory(tmp_path: Path) -> None:
    paths = export_json_schemas(tmp_path / "a" / "b")
    assert all(path.is_file() for path in paths)
