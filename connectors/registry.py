"""The connector type registry, and what the hub does with a connector type's config spec.

Connector types are found through the entry-point group `hub.connectors`, built-ins and
third-party packages alike: a package that declares

    [project.entry-points."hub.connectors"]
    hello = "hub_hello_connector:HelloConnector"

is a connector type named `hello` once installed. A plugin that fails to import, is not a
`Connector`, or clashes with another is reported on its own and never hides the others.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields, validate

from connectors._base import ConfigSchema, Connector
from connectors.config import (
    NAME_PATTERN,
    FieldMappingSpec,
    NamedObjects,
    QueryParams,
    TaggedUnion,
    flatten_messages,
)
from connectors.errors import ConfigError, ConnectorTypeError, format_field_errors

ENTRY_POINT_GROUP = "hub.connectors"
SECRET_MASK = "********"

log = logging.getLogger(__name__)


def connector_types() -> dict[str, type[Connector]]:
    """Every installed connector type that loads, by name.

    Plugins that cannot be used are left out and logged; `connector_type_problems` lists them.
    """
    found, problems = _discover()
    for problem in problems.values():
        log.warning("skipping an unusable connector type: %s", problem)
    return found


def connector_type_problems() -> dict[str, str]:
    """Installed connector types that cannot be used, by name, with the reason."""
    return _discover()[1]


@functools.cache
def get_connector_type(name: str) -> type[Connector]:
    """The connector type registered as `name`, looked up once per process (reading every
    installed package's entry points takes milliseconds, and each run asks).

    Raises `ConnectorTypeError` naming the available types when `name` is not installed, or the
    reason when its plugin cannot be used.
    """
    matches = _unique(entry_points(group=ENTRY_POINT_GROUP, name=name))
    if not matches:
        available = sorted({entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)})
        raise ConnectorTypeError(
            f"unknown connector type {name!r}; available: {', '.join(available) or 'none'}"
        )
    return _load(name, matches)


def load_config(connector_type: type[Connector], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a raw config against the type's `config_schema`; return it with defaults filled.

    Raises `ConfigError` whose `errors` name each bad field by dotted path (`auth.key`,
    `streams.courses.pagination.page_size`). Messages describe the rule, never the value given,
    so a secret in a bad field is not echoed.
    """
    try:
        if not isinstance(raw, Mapping):
            raise ValidationError("Not an object.")
        loaded: dict[str, Any] = connector_type.config_schema().load(dict(raw))
    except ValidationError as exc:
        errors = flatten_messages(exc.messages)
        raise ConfigError(
            f"invalid {connector_type.name} config: {format_field_errors(errors)}", errors
        ) from None
    return loaded


def redact_config(connector_type: type[Connector], config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `config` for display, with every secret value replaced by `"********"`."""
    return map_secrets(connector_type, config, lambda _value: SECRET_MASK)


def map_secrets(
    connector_type: type[Connector], config: Mapping[str, Any], change: Callable[[Any], Any]
) -> dict[str, Any]:
    """A copy of `config` with `change(value)` in place of every secret value (the fields the
    type's config spec marks `secret`, however deep)."""
    return _map_object(connector_type.config_schema(), config, change)


def config_json_schema(connector_type: type[Connector]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of a connector type's config; secrets are `"writeOnly": true`.

    A small converter for the field kinds connector specs use; a general marshmallow converter
    can replace this function wholesale.
    """

    def object_schema(schema: marshmallow.Schema) -> dict[str, Any]:
        properties = {}
        required = []
        for name, field in schema.fields.items():
            key = field.data_key or name
            properties[key] = field_schema(field)
            if field.required:
                required.append(key)
        result: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            result["required"] = required
        if schema.__doc__:
            result["description"] = inspect.cleandoc(schema.__doc__)
        return result

    def kind_schema(field: fields.Field[Any]) -> dict[str, Any]:
        # Most specific classes first: Url is a String, NamedObjects and friends are Fields.
        if isinstance(field, TaggedUnion):
            variants = []
            for kind, variant in field.choices.items():
                body = object_schema(variant())
                body["properties"] = {"type": {"const": kind}, **body["properties"]}
                body["required"] = ["type", *body.get("required", [])]
                variants.append(body)
            return {"oneOf": variants}
        if isinstance(field, NamedObjects):
            return {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": f"^{NAME_PATTERN}$"},
                "additionalProperties": object_schema(field.schema()),
            }
        if isinstance(field, QueryParams):
            return {"type": "object", "additionalProperties": {"type": ["string", "number"]}}
        if isinstance(field, FieldMappingSpec):
            return {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": ["string", "object"]},
            }
        if isinstance(field, fields.Nested):
            return object_schema(field.schema)
        if isinstance(field, fields.Url):
            return {"type": "string", "format": "uri"}
        if isinstance(field, fields.String):
            return {"type": "string"}
        if isinstance(field, fields.Integer):
            return {"type": "integer"}
        if isinstance(field, fields.Number):
            return {"type": "number"}
        if isinstance(field, fields.Boolean):
            return {"type": "boolean"}
        if isinstance(field, fields.Dict):
            values = field.value_field
            return {
                "type": "object",
                "additionalProperties": field_schema(values) if values is not None else {},
            }
        if isinstance(field, fields.List):
            return {"type": "array", "items": field_schema(field.inner)}
        return {}

    def field_schema(field: fields.Field[Any]) -> dict[str, Any]:
        result = kind_schema(field)
        for rule in field.validators:
            if isinstance(rule, validate.OneOf):
                result["enum"] = list(rule.choices)
            elif isinstance(rule, validate.Range):
                if rule.min is not None:
                    result["minimum" if rule.min_inclusive else "exclusiveMinimum"] = rule.min
                if rule.max is not None:
                    result["maximum" if rule.max_inclusive else "exclusiveMaximum"] = rule.max
            elif isinstance(rule, validate.Length) and result.get("type") == "string":
                if rule.min is not None:
                    result["minLength"] = rule.min
                if rule.max is not None:
                    result["maxLength"] = rule.max
        if field.allow_none:
            if isinstance(result.get("type"), str):
                result["type"] = [result["type"], "null"]
            else:
                result = {"anyOf": [result, {"type": "null"}]}
        default = field.load_default
        if default is not marshmallow.missing:
            result["default"] = default() if callable(default) else default
        if "description" in field.metadata:
            result["description"] = field.metadata["description"]
        if field.metadata.get("secret"):
            result["writeOnly"] = True
        return result

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{connector_type.name} connector config",
        **object_schema(connector_type.config_schema()),
    }


def _discover() -> tuple[dict[str, type[Connector]], dict[str, str]]:
    by_name: dict[str, list[EntryPoint]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        by_name.setdefault(entry.name, []).append(entry)
    found: dict[str, type[Connector]] = {}
    problems: dict[str, str] = {}
    for name, entries in sorted(by_name.items()):
        try:
            found[name] = _load(name, _unique(entries))
        except ConnectorTypeError as exc:
            problems[name] = str(exc)
    return found, problems


def _unique(entries: Iterable[EntryPoint]) -> list[EntryPoint]:
    # One distribution can be visible twice (an editable install and its egg-info); only
    # different targets are a clash.
    unique: dict[str, EntryPoint] = {}
    for entry in entries:
        unique.setdefault(entry.value, entry)
    return list(unique.values())


def _load(name: str, entries: list[EntryPoint]) -> type[Connector]:
    if len(entries) > 1:
        targets = ", ".join(f"{_origin(entry)} ({entry.value})" for entry in entries)
        raise ConnectorTypeError(f"connector type {name!r} is registered more than once: {targets}")
    entry = entries[0]
    where = f"connector type {name!r} from {_origin(entry)} ({entry.value})"
    try:
        loaded = entry.load()
    # A plugin's import can fail in any way; it must not take the registry down with it.
    except Exception as exc:
        raise ConnectorTypeError(f"{where} failed to import: {type(exc).__name__}: {exc}") from exc
    if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
        raise ConnectorTypeError(f"{where} is not a subclass of connectors.Connector")
    if inspect.isabstract(loaded):
        missing = ", ".join(sorted(getattr(loaded, "__abstractmethods__", ())))
        raise ConnectorTypeError(f"{where} does not implement: {missing}")
    if getattr(loaded, "name", None) != name:
        raise ConnectorTypeError(
            f"{where} declares name {getattr(loaded, 'name', None)!r}, not the entry point's"
        )
    schema = getattr(loaded, "config_schema", None)
    if not (isinstance(schema, type) and issubclass(schema, ConfigSchema)):
        raise ConnectorTypeError(f"{where} has no config_schema subclassing ConfigSchema")
    return loaded


def _origin(entry: EntryPoint) -> str:
    dist = entry.dist
    return f"{dist.name} {dist.version}" if dist is not None else "an unknown distribution"


def _map_object(
    schema: marshmallow.Schema, data: Mapping[str, Any], change: Callable[[Any], Any]
) -> dict[str, Any]:
    mapped = dict(data)
    for name, field in schema.fields.items():
        key = field.data_key or name
        if mapped.get(key) is not None:
            mapped[key] = _map_value(field, mapped[key], change)
    return mapped


def _map_value(field: fields.Field[Any], value: Any, change: Callable[[Any], Any]) -> Any:
    if field.metadata.get("secret"):
        return change(value)
    if not isinstance(value, Mapping):
        return value
    if isinstance(field, TaggedUnion):
        kind = value.get("type")
        variant = field.choices.get(kind) if isinstance(kind, str) else None
        return _map_object(variant(), value, change) if variant is not None else dict(value)
    if isinstance(field, NamedObjects):
        return {
            name: _map_object(field.schema(), entry, change)
            if isinstance(entry, Mapping)
            else entry
            for name, entry in value.items()
        }
    if isinstance(field, fields.Nested):
        return _map_object(field.schema, value, change)
    return value
