"""The registry, config validation, the config JSON Schema and redaction, on json_api."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

import connectors
from connectors.declarative import JsonApiConnector
from connectors.errors import ConfigError, ConnectorTypeError
from connectors.registry import (
    config_json_schema,
    connector_type_problems,
    connector_types,
    get_connector_type,
    load_config,
    redact_config,
)

KEY = "sk-live-5d41402abc4b2a76"

EXAMPLE: dict[str, Any] = {
    "base_url": "https://lpk.example.id/api/v1",
    "auth": {"type": "api_key", "name": "X-API-Key", "key": KEY},
    "streams": {
        "courses": {
            "entity": "course",
            "path": "/pelatihan",
            "records_path": "data",
            "pagination": {"type": "page_number", "page_size": 50},
            "params": {"status": "aktif"},
            "incremental": {"cursor_field": "diperbarui", "param": "updated_since"},
            "mapping": {
                "external_id": {"path": "kode", "transform": "str"},
                "title": "info.judul",
                "price_idr": "harga",
                "schedules": {"path": "jadwal", "each": {"schedule_code": "kode"}},
            },
        },
        "certificates": {
            "entity": "certificate",
            "path": "/sertifikat",
            "records_path": "result.items",
            "pagination": {"type": "cursor", "cursor_path": "result.next"},
            "mapping": {"certificate_number": "nomor", "participant.nik": "peserta.nik"},
        },
    },
}


def config_errors(raw: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(JsonApiConnector, raw)
    return caught.value


def with_stream(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(EXAMPLE)
    raw["streams"]["courses"].update(changes)
    return raw


def test_json_api_is_found_through_its_entry_point() -> None:
    assert get_connector_type("json_api") is JsonApiConnector
    assert connector_types()["json_api"] is JsonApiConnector
    assert "json_api" not in connector_type_problems()


def test_an_unknown_type_names_the_available_ones() -> None:
    with pytest.raises(
        ConnectorTypeError, match="unknown connector type 'jsonapi'; available: "
    ) as caught:
        get_connector_type("jsonapi")

    assert "json_api" in str(caught.value)
    assert isinstance(caught.value, LookupError)
    assert caught.value.code == "connector_type"


def test_the_package_exports_the_connector_sdk() -> None:
    assert connectors.get_connector_type("json_api") is JsonApiConnector
    assert all(hasattr(connectors, name) for name in connectors.__all__)


def test_a_valid_config_loads_with_its_defaults_filled() -> None:
    config = load_config(JsonApiConnector, EXAMPLE)

    assert config["streams"]["courses"]["pagination"] == {
        "type": "page_number",
        "page_param": "page",
        "size_param": "per_page",
        "page_size": 50,
        "start_page": 1,
        "stop": None,
    }
    assert config["streams"]["certificates"]["pagination"]["cursor_param"] == "cursor"
    assert config["streams"]["certificates"]["incremental"] is None
    assert load_config(JsonApiConnector, {**EXAMPLE, "auth": {"type": "none"}})["auth"] == {
        "type": "none"
    }


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({**EXAMPLE, "base_url": "ftp://lpk.example.id"}, "base_url", "Not a valid URL."),
        ({k: v for k, v in EXAMPLE.items() if k != "base_url"}, "base_url", "Required"),
        ({**EXAMPLE, "auth": {"type": "api_key"}}, "auth.key", "Missing data"),
        ({**EXAMPLE, "auth": {"type": "oauth"}}, "auth.type", "Must be one of: none, api_key"),
        ({**EXAMPLE, "streams": {}}, "streams", "non-empty"),
        ({**EXAMPLE, "streams": {"Kursus Saya": {}}}, "streams.Kursus Saya", "Not a valid name"),
        ({**EXAMPLE, "colour": "red"}, "colour", "Unknown field."),
        (with_stream(entity="kursus"), "streams.courses.entity", "Must be one of"),
        (with_stream(records_path="data..x"), "streams.courses.records_path", "empty segment"),
        (
            with_stream(pagination={"type": "page_number", "page_size": 0}),
            "streams.courses.pagination.page_size",
            "greater than or equal to 1",
        ),
        (with_stream(params={"aktif": True}), "streams.courses.params.aktif", "string or"),
        (
            with_stream(incremental={"param": "since"}),
            "streams.courses.incremental.cursor_field",
            "Missing data",
        ),
        (
            with_stream(mapping={"title": {"path": "judul", "transform": "titlecase"}}),
            "streams.courses.mapping.title.transform",
            "Unknown transform 'titlecase'",
        ),
        ("not an object", "(config)", "Not an object."),
        ({**EXAMPLE, "http": {"max_retries": 50}}, "http.max_retries", "less than or equal"),
        ({**EXAMPLE, "http": {"read_timeout": 0}}, "http.read_timeout", "greater than 0"),
        ({**EXAMPLE, "http": {"read_timeout": 1e10}}, "http.read_timeout", "less than or equal"),
        ({**EXAMPLE, "http": {"max_page_mib": 0}}, "http.max_page_mib", "greater than or equal"),
        (
            {**EXAMPLE, "http": {"connect_timeout": 121}},
            "http.connect_timeout",
            "less than or equal to 120",
        ),
    ],
)
def test_a_malformed_config_is_refused_naming_the_field(raw: Any, field: str, message: str) -> None:
    error = config_errors(raw)

    assert field in error.errors, error.errors
    assert any(message in text for text in error.errors[field]), error.errors[field]
    assert field in str(error)
    assert error.code == "config"


def test_config_errors_do_not_echo_secrets() -> None:
    error = config_errors({**EXAMPLE, "auth": {"type": "api_key", "key": KEY, "name": 7}})

    assert list(error.errors) == ["auth.name"]
    assert KEY not in str(error)
    assert KEY not in repr(error.errors)


def test_the_json_schema_marks_secrets_write_only() -> None:
    schema = config_json_schema(JsonApiConnector)
    auth_variants = {
        v["properties"]["type"]["const"]: v for v in schema["properties"]["auth"]["oneOf"]
    }

    assert auth_variants["api_key"]["properties"]["key"]["writeOnly"] is True
    assert auth_variants["bearer"]["properties"]["token"]["writeOnly"] is True
    assert "writeOnly" not in auth_variants["api_key"]["properties"]["name"]
    assert schema["required"] == ["streams"]


def test_the_json_schema_accepts_what_load_config_accepts() -> None:
    schema = config_json_schema(JsonApiConnector)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    validator.validate(EXAMPLE)
    validator.validate(load_config(JsonApiConnector, EXAMPLE))
    for bad in (
        {**EXAMPLE, "auth": {"type": "api_key"}},
        with_stream(entity="kursus"),
        {**EXAMPLE, "streams": {"Kursus Saya": EXAMPLE["streams"]["courses"]}},
    ):
        assert not validator.is_valid(bad)


def test_redaction_masks_secrets_and_keeps_the_rest() -> None:
    config = load_config(JsonApiConnector, EXAMPLE)
    before = copy.deepcopy(config)

    redacted = redact_config(JsonApiConnector, config)

    assert redacted["auth"] == {
        "type": "api_key",
        "name": "X-API-Key",
        "in": "header",
        "key": "********",
    }
    assert redacted["streams"] == config["streams"]
    assert config == before
    bearer = redact_config(JsonApiConnector, {**EXAMPLE, "auth": {"type": "bearer", "token": KEY}})
    assert KEY not in repr(bearer)
