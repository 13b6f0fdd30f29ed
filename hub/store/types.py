"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, whatever the backend keeps (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
Document = JSON().with_variant(JSONB(), "postgresql")

#: JSON documents kept as written, on both backends: PostgreSQL's `json` checks the text's syntax
#: and stores it verbatim, where `jsonb` parses it into a binary tree on every write (~11 µs of
#: server time a synced course for its two documents). For documents written whole and read
#: whole, never queried inside: no JSONB operator or index may be used on them.
VerbatimDocument = JSON()

#: A 64-bit key that SQLite still treats as its rowid alias (so it autoincrements).
BigKey = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The hub's clock: an aware UTC datetime."""
    return datetime.now(UTC)
