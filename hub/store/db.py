"""Engines and sessions for the embedded default (SQLite) and production (PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(database_url: str) -> Engine:
    """An engine for `database_url`; SQLite gets WAL, foreign keys and a busy timeout, so that a
    CLI sync and a server can share the file."""
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
    return create_engine(
        url, json_serializer=_dumps, json_deserializer=orjson.loads, pool_pre_ping=True
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
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
