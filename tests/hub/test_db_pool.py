"""PostgreSQL's connection pool: idle connections are checked before use, busy ones are not,
and a connection the server dropped costs at most the one statement that meets it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from hub.store.db import make_engine
from tests.conftest import POSTGRES_URL


@pytest.fixture
def admin(postgres_engine: Engine) -> Engine:
    """A connection maker beside the engine under test, to drop its connections."""
    return postgres_engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        # pg_terminate_backend only signals: wait until the backend is gone.
        connection.execute(
            text(
                "DO $$ BEGIN WHILE EXISTS (SELECT FROM pg_stat_activity WHERE pid = "
                f"{pid}) LOOP PERFORM pg_stat_clear_snapshot(); PERFORM pg_sleep(0.01); "
                "END LOOP; END $$"
            )
        )


def _engine(idle_ping_seconds: float) -> Iterator[Engine]:
    engine = make_engine(POSTGRES_URL, idle_ping_seconds=idle_ping_seconds)
    yield engine
    engine.dispose()


@pytest.fixture
def pinging() -> Iterator[Engine]:
    """An engine that pings every connection it takes from the pool."""
    yield from _engine(0)


@pytest.fixture
def trusting() -> Iterator[Engine]:
    """An engine that never pings a pooled connection (none is idle long enough)."""
    yield from _engine(3600)


def test_an_idle_connection_dropped_by_the_server_is_replaced_unseen(
    pinging: Engine, admin: Engine
) -> None:
    dropped = _backend_pid(pinging)
    _terminate(admin, dropped)

    assert _backend_pid(pinging) != dropped


def test_a_pinged_connection_still_runs_in_autocommit_mode(pinging: Engine) -> None:
    _backend_pid(pinging)
    with pinging.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
        assert connection.connection.driver_connection.autocommit  # type: ignore[union-attr]


def test_a_busy_connection_dropped_by_the_server_fails_one_statement_only(
    trusting: Engine, admin: Engine
) -> None:
    dropped = _backend_pid(trusting)
    _terminate(admin, dropped)

    with pytest.raises(OperationalError), trusting.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert _backend_pid(trusting) != dropped
