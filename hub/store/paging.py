"""Keyset pagination: a page of rows and the opaque cursor of the next one."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson

from hub.errors import InvalidInput

T = TypeVar("T")

#: The largest page a caller may ask for.
MAX_LIMIT = 1000
#: The ints a key column holds (64-bit, signed, on both backends): a cursor beyond them is no
#: cursor the hub gave, and cannot even be bound as a parameter (SQLite overflows).
KEY_RANGE = range(-(2**63), 2**63)
#: The largest id of a 32-bit key column (connectors, runs). A route's id is at most this
#: (`<int(max=...)>`: beyond it no route matches, a 404) and so is an id filter: PostgreSQL
#: refuses to compare such a column with a larger number, and SQLite to bind one beyond 64 bits.
MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Rows of one page, and the cursor of the next (None after the last page)."""

    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(position: str | int) -> str:
    """An opaque cursor for the position after which the next page starts."""
    return base64.urlsafe_b64encode(orjson.dumps([position])).rstrip(b"=").decode()


def decode_cursor(cursor: str, kind: type[str] | type[int], field: str = "cursor") -> str | int:
    """The position a cursor from `encode_cursor` holds; `InvalidInput` naming `field` when it
    is not one (a cursor is only ever handed out by the hub, never made by a caller)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))[0]
    except (ValueError, TypeError, IndexError, KeyError, UnicodeEncodeError, binascii.Error):
        position = None
    if (
        not isinstance(position, kind)
        or isinstance(position, bool)
        or (isinstance(position, int) and position not in KEY_RANGE)
    ):
        message = "Not a cursor this API handed out."
        raise InvalidInput(f"{field}: {message}", {field: [message]})
    return position


def page_of(rows: Sequence[T], limit: int, position: Callable[[T], str | int]) -> Page[T]:
    """The page from `rows` fetched with `limit + 1`: the extra row only says there is more.
    `position(row)` is the keyset position of a row."""
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, encode_cursor(position(rows[-1])))
    return Page(rows, None)
