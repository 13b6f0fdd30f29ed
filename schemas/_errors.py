"""Validation failures as the hub reports them: one flat list of messages per field path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow.exceptions import SCHEMA


class RecordInvalid(ValueError):
    """A record failed validation. `errors` maps dotted field paths (`"schedules.0.starts_at"`,
    `"participant.nik"`, `"_schema"` for the record as a whole) to messages.

    It carries neither the record nor any value from it, so it can be logged as it is.
    """

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(f"invalid record: {', '.join(errors) or 'no details'}")


def flatten_errors(messages: Any) -> dict[str, list[str]]:
    """marshmallow's nested messages as `{dotted path: [messages]}`.

    Nested keys and list indexes join with dots; a nested schema's own `_schema` messages
    belong to the field that holds it (`participant`), and only the record's stay `_schema`.
    """
    flat: dict[str, list[str]] = {}
    _flatten(messages, (), flat)
    return flat


def _flatten(messages: Any, path: tuple[str, ...], flat: dict[str, list[str]]) -> None:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            _flatten(value, path if key == SCHEMA and path else (*path, str(key)), flat)
    elif isinstance(messages, list | tuple):
        for message in messages:
            _flatten(message, path, flat)
    else:
        flat.setdefault(".".join(path) or SCHEMA, []).append(str(messages))
