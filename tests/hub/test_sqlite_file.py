"""The SQLite file's settings: large pages for a new file, a write-ahead log checkpointed by size
whatever pages an older file has."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, text

from hub.store.db import WAL_CHECKPOINT_BYTES, make_engine


def _settings(engine: Engine) -> tuple[int, str, int]:
    with engine.connect() as connection:
        page_size, journal, checkpoint = (
            connection.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("page_size", "journal_mode", "wal_autocheckpoint")
        )
    engine.dispose()
    return page_size, journal, checkpoint


def test_a_new_file_gets_16_kib_pages_and_a_log_checkpointed_every_64_mb(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")

    assert _settings(engine) == (16384, "wal", WAL_CHECKPOINT_BYTES // 16384)
    assert WAL_CHECKPOINT_BYTES == 64 * 2**20


def test_an_existing_file_keeps_its_pages_and_its_log_is_checkpointed_as_often(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as older:
        older.execute("PRAGMA page_size=4096")
        older.execute("CREATE TABLE kept (x INTEGER)")
    older.close()

    engine = make_engine(f"sqlite:///{path}")

    assert _settings(engine) == (4096, "wal", WAL_CHECKPOINT_BYTES // 4096)
