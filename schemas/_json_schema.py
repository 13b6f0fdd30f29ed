"""JSON Schema (draft 2020-12) from marshmallow schemas, by walking their fields.

apispec (not installed) converts marshmallow to OpenAPI 3.0 schemas, whose dialect is not JSON
Schema 2020-12 and which knows none of our field types; a converter per field class is short.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from marshmallow import INCLUDE, Schema, fields, validate
from marshmallow.constants import missing

from schemas._normalizer import ENTITY_SCHEMAS, PARTNER_SCHEMA
from schemas._rules import RequiredWhen
from schemas._validators import Pattern
from schemas.fields import JsonSchema, ParsedField

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:partner-hub:common-schema:v1:"

_TITLES = {
    "course": "Course",
    "certificate": "Certificate",
    "payment": "PaymentTransaction",
    "partner": "Partner",
}


def json_schema(schema: Schema | type[Schema], *, title: str) -> JsonSchema:
    """The JSON Schema of what `schema` loads: its input form, one property per load field.

    Required fields, `additionalProperties: false` (unless the schema includes unknown
    fields), enums, bounds, lengths, patterns, formats, defaults and nested objects are stated;
    fields with `metadata={"secret": True}` are `writeOnly`, and `metadata["description"]`
    is kept. Of the rules across fields, `RequiredWhen` is stated (as `if`/`then`); the others
    and validators without a JSON Schema keyword are not. A field class with no converter
    raises TypeError.
    """
    instance = schema() if isinstance(schema, type) else schema
    return {"$schema": DIALECT, "title": title, **_object(instance)}


def export_json_schemas(directory: Path) -> list[Path]:
    """Write `<entity>.schema.json` for course, certificate, payment and partner into
    `directory` (created if missing); return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for entity, schema in [*ENTITY_SCHEMAS.items(), ("partner", PARTNER_SCHEMA)]:
        document = json_schema(schema, title=_TITLES[entity])
        document = {"$schema": document.pop("$schema"), "$id": ID_PREFIX + entity, **document}
        path = directory / f"{entity}.schema.json"
        path.write_bytes(
            orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        )
        written.append(path)
    return written


def _object(schema: Schema) -> JsonSchema:
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        properties[key] = _field(field)
        if field.required:
            required.append(key)
    result: JsonSchema = {"type": "object"}
    description = _first_paragraph(type(schema).__doc__)
    if description:
        result["description"] = description
    result["properties"] = properties
    if required:
        result["required"] = required
    if schema.unknown != INCLUDE:
        result["additionalProperties"] = False
    conditions = _required_when(schema)
    if conditions:
        result["allOf"] = conditions
    return result


def _required_when(schema: Schema) -> list[JsonSchema]:
    """The `RequiredWhen` rules as `if`/`then`, one per condition: when the condition field
    holds one of the values, the fields are present and not null."""
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for rule in getattr(schema, "rules", ()):
        if isinstance(rule, RequiredWhen):
            grouped.setdefault((rule.when, tuple(sorted(rule.values))), []).append(rule.field)
    return [
        {
            "if": {"properties": {when: {"enum": list(values)}}, "required": [when]},
            "then": {
                "required": names,
                "properties": {name: {"not": {"type": "null"}} for name in names},
            },
        }
        for (when, values), names in grouped.items()
    ]


def _field(field: fields.Field[Any]) -> JsonSchema:
    result = _base(field)
    for validator in field.validators:
        _apply_validator(result, validator)
    if field.allow_none:
        result = _nullable(result)
    if field.metadata.get("description"):
        result["description"] = field.metadata["description"]
    default = field.load_default
    if default in (list, dict):
        result["default"] = default()
    elif default is not missing and not callable(default):
        result["default"] = default
    if field.metadata.get("secret"):
        result["writeOnly"] = True
    return result


def _base(field: fields.Field[Any]) -> JsonSchema:
    if isinstance(field, ParsedField):
        return field.json_schema()
    for cls in type(field).__mro__:
        converter = _CONVERTERS.get(cls)
        if converter is not None:
            return converter(field)
    raise TypeError(f"no JSON Schema converter for {type(field).__name__}")


def _apply_validator(result: JsonSchema, validator: Any) -> None:
    kind = result.get("type")
    if isinstance(validator, validate.Length):
        low, high = (
            (validator.equal, validator.equal)
            if validator.equal is not None
            else (
                validator.min,
                validator.max,
            )
        )
        names = ("minItems", "maxItems") if kind == "array" else ("minLength", "maxLength")
        for name, bound in zip(names, (low, high), strict=True):
            if bound is not None:
                result[name] = bound
    elif isinstance(validator, validate.Range):
        if validator.min is not None:
            result["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
        if validator.max is not None:
            result["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
    elif isinstance(validator, validate.OneOf):
        result["enum"] = list(validator.choices)
    elif isinstance(validator, Pattern):
        result["pattern"] = validator.json_pattern
    elif isinstance(validator, validate.Regexp) and isinstance(validator.regex.pattern, str):
        result["pattern"] = f"^(?:{validator.regex.pattern})"
    elif isinstance(validator, validate.URL):
        result["format"] = "uri"
    elif isinstance(validator, validate.Email):
        result["format"] = "email"
    elif isinstance(validator, validate.And):
        for inner in validator.validators:
            _apply_validator(result, inner)


def _nullable(result: JsonSchema) -> JsonSchema:
    kind = result.get("type")
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    elif isinstance(kind, list):
        result["type"] = [*kind, "null"]
    else:
        return {"anyOf": [result, {"type": "null"}]}
    if "enum" in result:
        result["enum"] = [*result["enum"], None]
    return result


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").strip().split("\n\n")[0].split())


def _nested(field: fields.Nested) -> JsonSchema:
    if field.many:
        return {"type": "array", "items": _object(field.schema)}
    return _object(field.schema)


def _list(field: fields.List[Any]) -> JsonSchema:
    return {"type": "array", "items": _field(field.inner)}


def _dict(field: fields.Dict) -> JsonSchema:
    result: JsonSchema = {"type": "object"}
    if field.value_field is not None:
        result["additionalProperties"] = _field(field.value_field)
    return result


def _enum(field: fields.Enum[Any]) -> JsonSchema:
    if field.by_value is False:
        return {"type": "string", "enum": list(field.enum.__members__)}
    return {"enum": [member.value for member in field.enum]}


_CONVERTERS: dict[type, Callable[[Any], JsonSchema]] = {
    fields.String: lambda field: {"type": "string"},
    fields.Integer: lambda field: {"type": "integer"},
    fields.Float: lambda field: {"type": "number"},
    fields.Decimal: lambda field: {"type": "string" if field.as_string else "number"},
    fields.Boolean: lambda field: {"type": "boolean"},
    fields.UUID: lambda field: {"type": "string", "format": "uuid"},
    fields.DateTime: lambda field: {"type": "string", "format": "date-time"},
    fields.Date: lambda field: {"type": "string", "format": "date"},
    fields.Constant: lambda field: {"const": field.constant},
    fields.Raw: lambda field: {},
    fields.Nested: _nested,
    fields.List: _list,
    fields.Dict: _dict,
    fields.Enum: _enum,
}
