"""Finding things in decoded source documents: dotted paths, and the list of records in a page.

A dotted path such as `result.items` or `info.judul` walks JSON objects by member name; a
segment of digits also indexes a JSON array (`jadwal.0.mulai`). The empty path is the document
itself.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, Final

from connectors._base import RawRecord
from connectors.errors import SourceFormatError


class _Missing(enum.Enum):
    MISSING = "MISSING"


MISSING: Final = _Missing.MISSING
"""Returned by a path getter when the path does not exist (distinct from a JSON null)."""

Getter = Callable[[Any], Any]


def path_problem(path: object) -> str | None:
    """Why `path` is not a usable dotted path, or None if it is (the empty path is usable)."""
    if not isinstance(path, str):
        return "A path must be a string."
    if path and "" in path.split("."):
        return f"Path {path!r} has an empty segment."
    return None


def compile_path(path: str) -> Getter:
    """A function returning the value at `path` in a document, or `MISSING`."""
    if not path:
        return _identity
    steps = tuple((key, int(key) if key.isdigit() else None) for key in path.split("."))
    if len(steps) == 1 and steps[0][1] is None:
        # The common case (a top-level member) gets a getter without a loop.
        key = steps[0][0]

        def get_member(node: Any) -> Any:
            return node.get(key, MISSING) if isinstance(node, dict) else MISSING

        return get_member

    def get_path(node: Any) -> Any:
        for key, index in steps:
            if isinstance(node, dict):
                node = node.get(key, MISSING)
                if node is MISSING:
                    return MISSING
            elif index is not None and isinstance(node, list) and index < len(node):
                node = node[index]
            else:
                return MISSING
        return node

    return get_path


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages that must not echo the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class RecordExtractor:
    """Takes the records out of one decoded page: the array at `records_path`, of objects."""

    def __init__(self, records_path: str) -> None:
        self.records_path = records_path
        self._get = compile_path(records_path)

    def __call__(self, body: Any, where: str) -> list[RawRecord]:
        """The page's records; a missing or malformed list raises `SourceFormatError`.

        `where` says which page of which stream, for the message.
        """
        records = self._get(body)
        named = f"'{self.records_path}'" if self.records_path else "the response body"
        if records is MISSING:
            raise SourceFormatError(f"{where}: the response has no {named} (records path)")
        if not isinstance(records, list):
            raise SourceFormatError(
                f"{where}: {named} is {json_type(records)}, not an array of records"
            )
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise not_an_object(f"{where}: record {index} in {named}", record)
        return records


def not_an_object(record_at: str, record: Any) -> SourceFormatError:
    """The error for a record that is not a JSON object; `record_at` names it, and reads like
    "stream 'courses', page 3: record 1 in 'data'"."""
    return SourceFormatError(f"{record_at} is {json_type(record)}, not an object")


def _identity(node: Any) -> Any:
    return node
