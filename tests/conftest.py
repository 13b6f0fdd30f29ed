"""Fixtures shared by every suite: a migrated database on each backend, settings, and the `hub`
command run against them."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from hub.cli import cli
from hub.settings import Settings, load_settings
from hub.store.db import make_engine, session_factory
from hub.store.migrate import upgrade
from hub.store.models import Base

#: The PostgreSQL server the storage tests use; its database is made anew for each test session.
POSTGRES_URL = os.environ.get(
    "HUB_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/hub_test"
)
BACKENDS = ("sqlite", "postgresql")
#: A test of what happens only on PostgreSQL (concurrent writers): it runs on that backend alone.
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies, so migrations run once."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A fresh, migrated PostgreSQL database for this test session."""
    url = make_url(POSTGRES_URL)
    admin = make_engine(str(url.set(database="test")))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    engine = make_engine(str(url))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated, empty database: each test that uses it runs once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    engine: Engine = request.getfixturevalue("postgres_engine")
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine.url.render_as_string(hide_password=False)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a hub on the test database, with a fixed secret key."""
    return load_settings(
        {"data_dir": tmp_path, "database_url": database_url, "secret_key": "test-secret"},
        environ={},
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the test database."""
    return session_factory(engine)


@pytest.fixture
def hub(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Runs the `hub` command on the test database: `hub(*args, stdin=None)` → click's Result."""
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUB_SECRET_KEY", settings.secret_key)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)

    return invoke


def as_json(result: Result) -> Any:
    """The JSON a successful `hub ... --json` printed; fails the test on a non-zero exit."""
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)
