"""Incremental reads: the highest value of a record's cursor field seen during a walk.

Cursor values are ordered by what they mean, not by their text: ISO 8601 timestamps as instants
(so `2024-05-01T08:00:00+07:00` is before `2024-05-01T02:00:00Z`; a timestamp without an offset
counts as UTC), numbers as numbers, other strings as text. The value kept is the source's own,
so it goes back to the source exactly as the source wrote it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors._base import RawRecord
from connectors.errors import SourceFormatError
from connectors.records import MISSING, compile_path, json_type


class HighWaterMark:
    """Tracks the highest value of `cursor_field` over the records it observes.

    Starts from `start` (the previous walk's mark, or None). Records without the field, or with
    null in it, are skipped: mapping reports them, the walk does not stop for them.
    """

    def __init__(self, cursor_field: str, start: Any = None) -> None:
        self.cursor_field = cursor_field
        self._get = compile_path(cursor_field)
        self.value: Any = None
        self._kind = ""
        self._key: Any = None
        if start is not None:
            self._observe_value(start)

    def observe(self, record: RawRecord) -> None:
        """Raise the mark to the record's cursor value if it is higher."""
        value = self._get(record)
        if value is not MISSING and value is not None:
            self._observe_value(value)

    def _observe_value(self, value: Any) -> None:
        ordered = _order_key(value)
        if ordered is None:
            raise SourceFormatError(
                f"cursor field {self.cursor_field!r} holds {json_type(value)}, "
                "which cannot be ordered"
            )
        kind, key = ordered
        if self._key is None:
            self._kind = kind
        elif kind != self._kind:
            raise SourceFormatError(
                f"cursor field {self.cursor_field!r} holds both {self._kind} and {kind} values, "
                "which cannot be ordered"
            )
        elif key <= self._key:
            return
        self.value, self._key = value, key


def _order_key(value: Any) -> tuple[str, Any] | None:
    """The kind of a cursor value and the key that orders values of that kind; None if unordered."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number", value
    if isinstance(value, str):
        # The shape check keeps plain numeric strings ("20240101") out of the timestamp kind.
        if len(value) >= 10 and value[4] == "-" and value[7] == "-":
            try:
                instant = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if instant.tzinfo is None:
                    instant = instant.replace(tzinfo=UTC)
                return "timestamp", instant
        return "text", value
    return None


_DURATION = re.compile(
    r"P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def parse_lookback(value: object) -> timedelta:
    """A lookback window from seconds (a number) or an ISO 8601 duration of days and time
    (`PT1H`, `P1DT12H`); ValueError otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.fullmatch(value.strip().upper())
        if match and value.strip().upper() not in ("P", "PT") and not value.strip().endswith("T"):
            return timedelta(**{k: int(v) for k, v in match.groupdict().items() if v})
    raise ValueError("A lookback is seconds (a number >= 0) or an ISO 8601 duration like PT1H.")


def step_back(value: Any, window: timedelta) -> Any:
    """The lower bound `window` before `value`, written as the source wrote `value`: ISO 8601
    timestamps keep their offset (or `Z`), numbers are taken for unix seconds. Text values,
    which have no distance, are returned as they are."""
    if not window:
        return value
    ordered = _order_key(value)
    if ordered is None:
        return value
    kind, _ = ordered
    if kind == "number":
        seconds = window.total_seconds()
        return (
            value - int(seconds)
            if isinstance(value, int) and seconds.is_integer()
            else value - seconds
        )
    if kind == "timestamp":
        earlier = datetime.fromisoformat(value) - window
        text = earlier.isoformat()
        return text[:-6] + "Z" if value.endswith("Z") and text.endswith("+00:00") else text
    return value
