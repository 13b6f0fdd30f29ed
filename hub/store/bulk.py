"""Driver-level bulk writes for the sync's hot path.

The ORM's bulk INSERT costs ~10 µs a row in parameter processing alone; a sync writes three rows
per record (the record, its change, its sweep mark). Here a statement is built once per table
and handed straight to the driver's `executemany`, with values already in the driver's form:
JSON as text (serialized once, by the caller, with orjson) and constants such as the batch's
timestamp converted once per batch through the column's own SQLAlchemy type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.orm import Session


class BulkStatement:
    """One INSERT or UPDATE-by-key on `table`, run as a single driver `executemany`."""

    def __init__(
        self,
        session: Session,
        table: Table,
        columns: Sequence[str],
        *,
        key: Sequence[str] = (),
        skip_conflicts: bool = False,
    ) -> None:
        """Without `key`: INSERT of `columns` (with `skip_conflicts`, rows that clash with a
        unique key are left out). With `key`: UPDATE of `columns` where the `key` columns match;
        each row then gives `columns` then `key` values."""
        self.session = session
        self.table = table
        self.dialect = session.get_bind().dialect
        postgres = self.dialect.name == "postgresql"

        def placeholder(name: str) -> str:
            if not postgres:
                return "?"
            # Text in, JSONB stored: the cast makes PostgreSQL parse it.
            return "CAST(%s AS jsonb)" if isinstance(table.c[name].type, JSON) else "%s"

        # Narrow rows (change-log entries, sweep marks) go in one statement per batch: each
        # column travels as one array that PostgreSQL unnests back into rows. Rows carrying
        # JSON documents measured slower that way (every document parsed into an array
        # first), so they stay one row per protocol round.
        self.columnar = (
            postgres and not key and not any(isinstance(table.c[c].type, JSON) for c in columns)
        )
        if self.columnar:
            arrays = ", ".join(
                f"CAST(%s AS {table.c[c].type.compile(dialect=self.dialect)}[])" for c in columns
            )
            suffix = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
            self.sql = (
                f"INSERT INTO {table.name} ({', '.join(columns)}) "
                f"SELECT * FROM unnest({arrays}){suffix}"
            )
        elif key:
            assignments = ", ".join(f"{c} = {placeholder(c)}" for c in columns)
            where = " AND ".join(f"{c} = {placeholder(c)}" for c in key)
            self.sql = f"UPDATE {table.name} SET {assignments} WHERE {where}"
        else:
            values = ", ".join(placeholder(c) for c in columns)
            prefix = "INSERT OR IGNORE" if skip_conflicts and not postgres else "INSERT"
            suffix = " ON CONFLICT DO NOTHING" if skip_conflicts and postgres else ""
            self.sql = (
                f"{prefix} INTO {table.name} ({', '.join(columns)}) VALUES ({values}){suffix}"
            )

    def bind(self, column: str, value: Any) -> Any:
        """`value` as the driver takes it for `column`, converted by the column's own type."""
        type_ = self.table.c[column].type.dialect_impl(self.dialect)
        processor = type_.bind_processor(self.dialect)
        return processor(value) if processor is not None else value

    def __call__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Run the statement for every row, in the session's transaction."""
        if not rows:
            return
        connection = self.session.connection()
        if self.columnar:
            columns = tuple(list(column) for column in zip(*rows, strict=True))
            connection.exec_driver_sql(self.sql, columns)
        else:
            connection.exec_driver_sql(self.sql, list(rows))
