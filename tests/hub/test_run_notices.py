"""A run keeps what its connector noticed besides records: skipped records and schema drift."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import catalog_connector_config, course
from hub.settings import Settings
from hub.sync.notices import run_notices
from hub.sync.runner import SyncRunner

BASE = "http://provider.test"


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def add_connector(
    sessions: sessionmaker[Session], settings: Settings, config: dict[str, Any]
) -> int:
    with sessions.begin() as session:
        PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-n", "name": "LPK N"}
        )
        return (
            ConnectorService(session)
            .add("lpk-n", "declarative", config, sealer=ConfigSealer(settings))
            .id
        )


@pytest.mark.storage
def test_a_renamed_field_and_skipped_records_are_kept_on_the_run(
    sessions: sessionmaker[Session], settings: Settings, mock: responses.RequestsMock
) -> None:
    records = [course(i) for i in range(4)]
    for record in records:
        record["judul_kelas"] = record.pop("judul")  # the provider renamed its title field
    records[0]["status"] = "draf"
    mock.get(f"{BASE}/courses", json={"data": records, "meta": {"total_pages": 1}})
    config = catalog_connector_config(BASE, page_size=10)
    config["streams"]["courses"]["skip"] = [{"path": "status", "equals": "draf"}]
    connector_id = add_connector(sessions, settings, config)

    run = SyncRunner(sessions, settings).run(connector_id, "courses")

    assert run.status == "partial"
    assert run.rejected == 3
    with sessions() as session:
        notices = run_notices(session, run.id)
    assert [(n["code"], n["count"]) for n in notices] == [("schema_drift", 1), ("skipped", 1)]
    assert "'judul' (for title)" in str(notices[0]["message"])
    assert "judul_kelas" in str(notices[0]["message"])
