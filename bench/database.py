"""A fresh, empty database for one benchmark run, on either backend."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import make_url, text

from hub.store.db import make_engine

#: The PostgreSQL database the benchmark drops and re-creates (trust auth on 127.0.0.1).
POSTGRES_URL = os.environ.get("HUB_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/hub_bench")
#: The database connected to while `hub_bench` is dropped and created.
ADMIN_DATABASE = "test"
BACKENDS = ("sqlite", "postgresql")


def fresh_database(backend: str, data_dir: Path) -> str:
    """The URL of a new empty database: a file in `data_dir`, or `hub_bench` made anew."""
    if backend == "sqlite":
        return f"sqlite:///{data_dir / 'hub.db'}"
    if backend == "postgresql":
        url = make_url(POSTGRES_URL)
        admin = make_engine(url.set(database=ADMIN_DATABASE).render_as_string(False))
        try:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        finally:
            admin.dispose()
        return url.render_as_string(hide_password=False)
    raise ValueError(f"unknown backend {backend!r}; one of {', '.join(BACKENDS)}")
