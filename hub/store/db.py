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

#: SQLite checkpoints its write-ahead log when it grows this large.
WAL_CHECKPOINT_BYTES = 64 * 2**20
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
    # Pages of 16 KiB rather than 4: a stored record (documents and all) is ~2 KB, so a 4 KiB
    # page holds one or two of them and wastes the rest, and each commit writes every page a
    # batch touched. A first sync costs ~5 µs a record less CPU (100,000 courses), a lookup by
    # raw hash ~0.4 µs more. Takes effect when the file is created; an existing file keeps its
    # pages.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A sync inserts into indexes keyed by hashes, i.e. at random places: more than the default
    # 2 MB of page cache, yet bounded, so memory stays flat as a catalog grows. 16 MB rather
    # than 8: ~1.4 µs a record less in a first sync of 100,000 courses (no gain at 32 MB); a
    # catalog of 10,000 fills it as well, so peak memory grows no more with the catalog.
    cursor.execute("PRAGMA cache_size=-16384")
    # Checkpoint every 64 MB of WAL rather than every 1,000 pages: a batch of a sync writes
    # megabytes.
    (page_size,) = cursor.execute("PRAGMA page_size").fetchone()
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_size}")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine` that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
