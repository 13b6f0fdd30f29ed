"""Driver-level bulk reads and writes for the sync's hot path.

The ORM's bulk INSERT costs ~10 µs a row in parameter processing alone, and an `IN` list of a
thousand values costs SQLAlchemy ~3 µs a value to render; a sync writes several rows and looks up
several values per record. Here a statement is built once per table and handed straight to the
driver, with values already in the driver's form: JSON as text (serialized once, by the caller,
with orjson) and constants such as the batch's timestamp converted once per batch through the
column's own SQLAlchemy type. A set of values to match travels as ONE parameter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from itertools import chain
from typing import Any

import orjson
from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

#: The most rows one SQLite INSERT carries: enough that the GIL changes hands once for hundreds
#: of rows, few enough that the prepared statements a connection keeps stay small.
ROWS_PER_STATEMENT = 256


class BulkStatement:
    """One INSERT or UPDATE-by-key on `table`, run for many rows at once."""

    def __init__(
        self,
        session: Session,
        table: Table,
        columns: Sequence[str],
        *,
        key: Sequence[str] = (),
    ) -> None:
        """Without `key`: INSERT of `columns`. With `key`: UPDATE of `columns` where the `key`
        columns match; each row then gives `columns` then `key` values."""
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
        # input function).
        self.key = tuple(key)
        self.copy = postgres and not key
        if self.copy:
            self.sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        elif key:
            assignments = ", ".join(f"{c} = {placeholder(c)}" for c in columns)
            where = " AND ".join(f"{c} = {placeholder(c)}" for c in key)
            self.sql = f"UPDATE {table.name} SET {assignments} WHERE {where}"
        else:
            # SQLite: many rows per statement. `executemany` steps once a row, and each step
            # gives up the GIL and must win it back; while the sync's reading thread holds it,
            # that wait is up to the interpreter's switch interval (5 ms) a row. One statement
            # of many rows is bound in one go and then stored by one step without the GIL.
            self.sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
            self.row = f"({', '.join('?' for _ in columns)})"
            self.width = len(columns)

    def bind(self, column: str, value: Any) -> Any:
        """`value` as the driver takes it for `column`, converted by the column's own type. For
        COPY, a time is given as text: psycopg would format it again for every row it is
        written in (~1 µs each), and PostgreSQL reads ISO 8601 with its offset exactly."""
        bound = _bind(self.table, self.dialect, column, value)
        return bound.isoformat() if self.copy and isinstance(bound, datetime) else bound

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
        elif self.key:
            connection.exec_driver_sql(self.sql, list(rows))
        else:
            driver = connection.connection.driver_connection
            assert driver is not None
            most = min(
                ROWS_PER_STATEMENT,
                driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // self.width,
            )
            start = 0
            while start < len(rows):
                # Statements of a power of two rows, at most `ROWS_PER_STATEMENT`: the driver
                # keeps each distinct statement it prepared, about 700 bytes a row, so a
                # statement for every batch size grew a process syncing many partners by 250 MB.
                size = 1 << (min(most, len(rows) - start).bit_length() - 1)
                chunk = rows[start : start + size]
                start += size
                sql = self.sql + ", ".join([self.row] * size)
                # Flattened in C: a generator costs ~0.5 µs a row more, under the GIL.
                connection.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))


class BulkColumns:
    """One INSERT of many narrow rows into `table` that share the values of some columns and
    differ in the others, each of those given as one sequence of values (a column).

    The whole batch is one statement with one parameter per varying column: PostgreSQL gets
    arrays (in binary: psycopg quotes each element of a text array with a regular expression,
    four times the cost) and unnests them into rows; SQLite gets the rows as one JSON array
    read by `json_each`. Against a row at a time (COPY, executemany), a change-log entry costs
    PostgreSQL's client ~1 µs less and SQLite ~1.8 µs less. The rows are inserted in the
    columns' order. Varying values must be text or numbers, stored as they are.
    """

    def __init__(
        self, session: Session, table: Table, fixed: Sequence[str], varying: Sequence[str]
    ) -> None:
        """INSERT of `fixed` then `varying` columns."""
        self.session = session
        self.table = table
        self.dialect = session.get_bind().dialect
        self.postgres = self.dialect.name == "postgresql"
        target = f"INSERT INTO {table.name} ({', '.join((*fixed, *varying))})"
        if self.postgres:

            def sql_type(column: str) -> str:
                return table.c[column].type.compile(dialect=self.dialect)

            constants = ", ".join(f"CAST(%s AS {sql_type(c)})" for c in fixed)
            arrays = ", ".join(f"CAST(%b AS {sql_type(c)}[])" for c in varying)
            names = ", ".join(f"v{i}" for i in range(len(varying)))
            self.sql = (
                f"{target} SELECT {constants}, {names} FROM unnest({arrays}) "
                f"WITH ORDINALITY AS batch({names}, n) ORDER BY n"
            )
        else:
            constants = ", ".join("?" for _ in fixed)
            values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(varying)))
            self.sql = f"{target} SELECT {constants}, {values} FROM json_each(?) ORDER BY key"
        self.varying = len(varying)

    def bind(self, column: str, value: Any) -> Any:
        """`value` as the driver takes it for `column`, converted by the column's own type."""
        return _bind(self.table, self.dialect, column, value)

    def __call__(self, fixed: tuple[Any, ...], columns: Sequence[Sequence[Any]]) -> None:
        """Insert one row per position of `columns` (the varying columns' values, of equal
        lengths), each with the `fixed` values, in the session's transaction."""
        assert len(columns) == self.varying
        if not columns[0]:
            return
        if self.postgres:
            varying: tuple[Any, ...] = tuple(list(column) for column in columns)
        else:
            varying = (orjson.dumps(list(zip(*columns, strict=True))).decode(),)
        self.session.connection().exec_driver_sql(self.sql, (*fixed, *varying))


def _bind(table: Table, dialect: Dialect, column: str, value: Any) -> Any:
    type_ = table.c[column].type.dialect_impl(dialect)
    processor = type_.bind_processor(dialect)
    return processor(value) if processor is not None else value


class BulkQuery:
    """A statement run with fixed parameters and one set of values to match.

    `sql` writes `{p}` for each fixed parameter and either `{in_values}` after the column matched
    against the set (`... WHERE partner_id = {p} AND raw_hash {in_values}`) or `{values}` where
    the set, of text, is a table `matched` of one column `value` (`FROM {values} CROSS JOIN`).
    SQLite gets the set as one JSON array read by `json_each`; PostgreSQL as one array,
    `= ANY(...)` or `unnest(...)`, which a table filled by this very sync (no statistics yet)
    still plans as index lookups, where an IN list of a thousand parameters makes the planner
    expect every row to match and scan the table. The array travels in binary, which psycopg
    writes without quoting each element.
    """

    def __init__(self, session: Session, sql: str) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        if self.postgres:
            self.sql = sql.format(
                p="%s", in_values="= ANY(%b)", values="unnest(CAST(%b AS text[])) AS matched(value)"
            )
        else:
            self.sql = sql.format(
                p="?",
                in_values="IN (SELECT value FROM json_each(?))",
                values="json_each(?) AS matched",
            )
        # The set's place among the parameters: after as many fixed ones as come before it.
        self.place = sql.split("{in_values}")[0].split("{values}")[0].count("{p}")

    def __call__(self, fixed: tuple[Any, ...], values: Sequence[Any]) -> list[Any]:
        """The rows the statement returns (none for an UPDATE), in the session's transaction."""
        matched = list(values) if self.postgres else orjson.dumps(list(values)).decode()
        parameters = (*fixed[: self.place], matched, *fixed[self.place :])
        # Straight on the driver's cursor: SQLAlchemy's result makes a Row of each row it
        # fetches, which made up half of an unchanged re-sync's lookup (~1 µs a record).
        connection = self.session.connection()
        driver = connection.connection.driver_connection
        assert driver is not None
        dbapi_error = connection.dialect.loaded_dbapi.Error
        cursor = driver.cursor()
        try:
            cursor.execute(self.sql, parameters)
            return cursor.fetchall() if cursor.description is not None else []
        except dbapi_error as error:
            raise DBAPIError.instance(self.sql, None, error, dbapi_error) from error
        finally:
            cursor.close()
