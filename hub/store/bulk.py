"""Driver-level bulk reads and writes for the sync's hot path.

The ORM's bulk INSERT costs ~10 µs a row in parameter processing alone, and an `IN` list of a
thousand values costs SQLAlchemy ~3 µs a value to render; a sync writes several rows and looks up
several values per record. Here a statement is built once per table and handed straight to the
driver, with values already in the driver's form: JSON as text (serialized once, by the caller,
with orjson) and constants such as the batch's timestamp converted once per batch through the
column's own SQLAlchemy type. A set of values to match travels as ONE parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


class BulkStatement:
    """One INSERT or UPDATE-by-key on `table`, run for many rows at once."""

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
            # Text in, JSON or JSONB stored: the cast makes PostgreSQL check or parse it.
            type_ = table.c[name].type
            if isinstance(type_, JSON):
                return f"CAST(%s AS {type_.compile(dialect=self.dialect)})"
            return "%s"

        # PostgreSQL: plain INSERTs stream through COPY, which costs neither a protocol round
        # nor a statement execution per row (JSON text is checked or parsed by the column's
        # input function). Inserts that skip conflicts cannot use COPY: their narrow rows go in
        # one statement per batch, each column as one array that PostgreSQL unnests into rows.
        # Arrays travel in binary (`%b`): psycopg quotes each element of a text array with a
        # regular expression, four times the cost.
        self.copy = postgres and not key and not skip_conflicts
        self.columnar = postgres and not key and skip_conflicts
        if self.copy:
            self.sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        elif self.columnar:
            arrays = ", ".join(
                f"CAST(%b AS {table.c[c].type.compile(dialect=self.dialect)}[])" for c in columns
            )
            self.sql = (
                f"INSERT INTO {table.name} ({', '.join(columns)}) "
                f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"
            )
        elif key:
            assignments = ", ".join(f"{c} = {placeholder(c)}" for c in columns)
            where = " AND ".join(f"{c} = {placeholder(c)}" for c in key)
            self.sql = f"UPDATE {table.name} SET {assignments} WHERE {where}"
        else:
            values = ", ".join(placeholder(c) for c in columns)
            prefix = "INSERT OR IGNORE" if skip_conflicts else "INSERT"
            self.sql = f"{prefix} INTO {table.name} ({', '.join(columns)}) VALUES ({values})"

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
        if self.copy:
            driver = connection.connection.driver_connection
            assert driver is not None
            dbapi_error = connection.dialect.loaded_dbapi.Error
            try:
                with driver.cursor() as cursor, cursor.copy(self.sql) as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
            except dbapi_error as error:
                # Raised the way SQLAlchemy raises driver errors, so that callers catch an
                # IntegrityError alike whichever path wrote the rows.
                raise DBAPIError.instance(self.sql, None, error, dbapi_error) from error
        elif self.columnar:
            columns = tuple(list(column) for column in zip(*rows, strict=True))
            connection.exec_driver_sql(self.sql, columns)
        else:
            connection.exec_driver_sql(self.sql, list(rows))


class BulkQuery:
    """A statement run with fixed parameters and one set of values to match.

    `sql` writes `{p}` for each fixed parameter and `{in_values}` after the column matched
    against the set: `... WHERE partner_id = {p} AND raw_hash {in_values}`. SQLite gets the set
    as one JSON array read by `json_each`; PostgreSQL as one array, `= ANY(...)`, which a table
    filled by this very sync (no statistics yet) still plans as index lookups, where an IN list
    of a thousand parameters makes the planner expect every row to match and scan the table.
    The array travels in binary, which psycopg writes without quoting each element.
    """

    def __init__(self, session: Session, sql: str) -> None:
        self.session = session
        if session.get_bind().dialect.name == "postgresql":
            self.postgres = True
            self.sql = sql.format(p="%s", in_values="= ANY(%b)")
        else:
            self.postgres = False
            self.sql = sql.format(p="?", in_values="IN (SELECT value FROM json_each(?))")

    def __call__(self, fixed: tuple[Any, ...], values: Sequence[Any]) -> list[Any]:
        """The rows the statement returns (none for an UPDATE), in the session's transaction."""
        matched = list(values) if self.postgres else orjson.dumps(list(values)).decode()
        result = self.session.connection().exec_driver_sql(self.sql, (*fixed, matched))
        return list(result.all()) if result.returns_rows else []
