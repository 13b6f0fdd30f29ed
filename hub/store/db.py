"""Engines and sessions for the embedded default (SQLite) and production (PostgreSQL)."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

import orjson
import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

#: The page size of a new SQLite database.
SQLITE_PAGE_SIZE = 32768
#: A pooled PostgreSQL connection idle at least this long is pinged before it is handed out.
IDLE_PING_SECONDS = 2.0


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(database_url: str, *, idle_ping_seconds: float = IDLE_PING_SECONDS) -> Engine:
    """An engine for `database_url`; SQLite gets WAL, foreign keys and a busy timeout, so that a
    CLI sync and a server can share the file. A pooled PostgreSQL connection idle for
    `idle_ping_seconds` or more is pinged before it is handed out (see `_ping_if_idle`)."""
    url = make_url(database_url)
    if url.drivername == "postgresql":
        # psycopg 3 is the driver we install; the bare scheme would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            json_serializer=_dumps,
            json_deserializer=orjson.loads,
            connect_args={"timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, json_serializer=_dumps, json_deserializer=orjson.loads)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, idle_ping_seconds))
    return engine


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(
    idle_ping_seconds: float, dbapi_connection: Any, record: Any, _proxy: Any
) -> None:
    """`pool_pre_ping`, for idle connections only: a ping is a round trip, as dear as the
    revocation read an API request makes, and a connection back in the pool for milliseconds
    is as alive as when it left. A connection dropped in those milliseconds (the server
    restarted) fails the statement that meets it; SQLAlchemy then discards the pool's older
    connections, so the next checkouts connect anew. A connection that fails its ping is
    discarded and the pool hands out another (its documented `DisconnectionError` protocol)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < idle_ping_seconds:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        # Leave no transaction open: its user may want the connection in autocommit mode.
        dbapi_connection.rollback()
    except psycopg.Error as error:
        raise DisconnectionError("the pooled connection is gone") from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Takes effect only in a new, empty database (so before WAL mode is on). A stored record
    # with its raw source beside it is some kilobytes: with the default 4 KB pages one or two fit
    # a page and a batch's commit writes twice as many pages to the log; measured, 32 KB pages
    # halve what storing a record costs.
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A sync inserts into indexes keyed by hashes, i.e. at random places: more than the default
    # 2 MB of page cache, yet bounded, so memory stays flat as a catalog grows.
    cursor.execute("PRAGMA cache_size=-8192")
    # Checkpoint every 64 MB of WAL rather than every 4 MB: a batch of a sync writes megabytes.
    cursor.execute("PRAGMA wal_autocheckpoint=16384")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine` that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
