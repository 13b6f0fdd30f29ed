"""A sync killed with SIGKILL between batches resumes from its last committed checkpoint, with
nothing lost and nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog
from hub.settings import Settings
from hub.store.models import Change, Course, Run
from hub.sync.runner import SyncRunner

PAGE = 50
TOTAL = 260


def test_sync_killed_between_batches_resumes_without_loss_or_duplicates(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    third_page_asked = threading.Event()
    release = threading.Event()

    def gate(page: int) -> None:
        # Pages 1 and 2 are committed before page 3 is asked for: hold page 3 back.
        if page == 3 and not release.is_set():
            third_page_asked.set()
            release.wait(timeout=60)

    with serve_catalog(CatalogSource(TOTAL), gate=gate) as base_url:
        with sessions.begin() as session:
            PartnerService(session).create(
                {"kind": "training_provider", "code": "lpk-k", "name": "LPK K"}
            )
            connector_id = (
                ConnectorService(session)
                .add(
                    "lpk-k",
                    "declarative",
                    catalog_connector_config(base_url, page_size=PAGE),
                    sealer=ConfigSealer(settings),
                )
                .id
            )
        env: dict[str, Any] = {
            **os.environ,
            "HUB_DATABASE_URL": settings.database_url,
            "HUB_DATA_DIR": str(settings.data_dir),
            "HUB_SECRET_KEY": settings.secret_key,
            "HUB_BATCH_SIZE": str(PAGE),
        }
        child = subprocess.Popen(
            [sys.executable, "-m", "hub", "connectors", "sync", str(connector_id), "--json"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            while not third_page_asked.wait(timeout=0.05):
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
            # Page 2 is stored by the child's writer thread while page 3 is asked for: kill
            # once it is committed, with page 3 still held back. The commit happens in the
            # other process, so there is no event to await: poll the database.
            while committed(sessions) < 2 * PAGE:
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                time.sleep(0.02)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            release.set()

        with sessions() as session:
            killed = session.scalars(select(Run)).one()
            assert (killed.status, killed.created) == ("running", 2 * PAGE)
            assert session.scalar(select(func.count()).select_from(Course)) == 2 * PAGE

        resumed = SyncRunner(sessions, settings).run(connector_id, "courses")

    assert resumed.status == "succeeded"
    assert (resumed.created, resumed.unchanged) == (TOTAL - 2 * PAGE, 0)
    with sessions() as session:
        abandoned = session.get(Run, killed.id)
        assert abandoned is not None
        assert (abandoned.status, abandoned.error_code) == ("failed", "abandoned")
        assert session.scalar(select(func.count()).select_from(Course)) == TOTAL
        assert session.scalar(select(func.count(func.distinct(Change.entity_id)))) == TOTAL
        assert session.scalar(select(func.count()).select_from(Change)) == TOTAL


def committed(sessions: sessionmaker[Session]) -> int:
    """The courses the sync has committed so far."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Course)) or 0
