"""Schema migrations: Alembic, run programmatically by `hub init`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> bool:
    """Bring the database to the newest schema; True when anything was applied."""
    config = _config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            return False
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None before `hub init`."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
