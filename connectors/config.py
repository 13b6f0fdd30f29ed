"""Building blocks for connector config specs, beyond what marshmallow ships.

- `TaggedUnion`: an object whose `"type"` member picks the schema of the rest (auth methods,
  paginators).
- `NamedObjects`: an object of named entries, each loaded by one schema (streams by name).
- `QueryParams`: query parameters, strings or numbers.
- `FieldMappingSpec`: a field mapping, checked by compiling it (see `connectors.mapping`).

Their validation errors nest like marshmallow's own, so `flatten_messages` turns any of them
into dotted paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields

from connectors.mapping import mapping_spec_errors

NAME_PATTERN = r"[a-z][a-z0-9_]{0,62}"


class TaggedUnion(fields.Field[dict[str, Any]]):
    """An object whose `type` member names one of `choices`; that schema loads the other members.

    Loads to `{"type": name, **loaded}`.
    """

    def __init__(self, choices: Mapping[str, type[marshmallow.Schema]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = dict(choices)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError("Not a valid object.")
        kind = value.get("type")
        if not isinstance(kind, str) or kind not in self.choices:
            raise ValidationError({"type": [f"Must be one of: {', '.join(self.choices)}."]})
        rest = {key: item for key, item in value.items() if key != "type"}
        return {"type": kind, **self.choices[kind]().load(rest)}


class NamedObjects(fields.Field[dict[str, dict[str, Any]]]):
    """An object of named entries (names like `courses`), each loaded by `schema`."""

    def __init__(self, schema: type[marshmallow.Schema], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schema = schema

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, dict[str, Any]]:
        if not isinstance(value, dict) or not value:
            raise ValidationError("Must be a non-empty object of named entries.")
        loaded: dict[str, dict[str, Any]] = {}
        errors: dict[str, Any] = {}
        for name, entry in value.items():
            if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
                errors[str(name)] = [f"Not a valid name (pattern {NAME_PATTERN})."]
                continue
            try:
                loaded[name] = self.schema().load(entry)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)
        return loaded


class QueryParams(fields.Field[dict[str, str | int | float]]):
    """An object of query parameters whose values are strings or numbers."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, str | int | float]:
        if not isinstance(value, dict):
            raise ValidationError("Not a valid object.")
        wrong = {
            str(name): ["Must be a string or a number."]
            for name, item in value.items()
            if isinstance(item, bool) or not isinstance(item, str | int | float)
        }
        if wrong:
            raise ValidationError(wrong)
        return dict(value)


class FieldMappingSpec(fields.Field[dict[str, Any]]):
    """A field mapping (target → field spec), valid when it compiles; loads unchanged."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dict[str, Any]:
        errors = mapping_spec_errors(value)
        if errors:
            raise ValidationError(errors)
        return dict(value)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested error messages as `{dotted path: [messages]}`.

    Schema-level errors (`_schema`) belong to the object that holds them.
    """
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, nested in messages.items():
            path = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            for sub, texts in flatten_messages(nested, path).items():
                flat.setdefault(sub, []).extend(texts)
        return flat
    if isinstance(messages, list):
        return {prefix or "(config)": [str(text) for text in messages]}
    return {prefix or "(config)": [str(messages)]}
