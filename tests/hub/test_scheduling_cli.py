"""`hub connectors schedule|pause|resume|run|health`: bad input refused naming the field (exit
2) with nothing stored; the rest answers in the contract's forms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog
from hub.settings import Settings
from hub.store.models import ConnectorInstance, ConnectorSchedule


def add_connector(
    sessions: sessionmaker[Session], settings: Settings, base_url: str = "http://x.test"
) -> int:
    with sessions.begin() as session:
        PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-c", "name": "LPK C"}
        )
        return (
            ConnectorService(session)
            .add(
                "lpk-c",
                "json_api",
                catalog_connector_config(base_url),
                sealer=ConfigSealer(settings),
            )
            .id
        )


@pytest.mark.parametrize(
    ("options", "field", "rule"),
    [
        (["--cron", "0 */6 * *"], "cron", "Wrong number of fields"),
        (["--cron", "61 * * * *"], "cron", "higher than the maximum"),
        (["--interval", "0"], "interval", "longer than zero"),
        (["--interval", "0m"], "interval", "longer than zero"),
        (["--interval", "soon"], "interval", "a duration like"),
        (["--interval", "367d"], "interval", "at most 366 days"),
        (["--interval", "99999999999999999999d"], "interval", "at most 366 days"),
        (["--cron", "0 0 31 2 *"], "cron", "never fires"),
        (["--interval", "30m", "--cron", "0 * * * *"], "schedule", "exactly one"),
        ([], "schedule", "exactly one"),
        (["--interval", "30m", "--jitter", "-5"], "jitter", "between 0 and 3600"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_field_and_nothing_is_stored(
    hub: Any,
    sessions: sessionmaker[Session],
    options: list[str],
    field: str,
    rule: str,
    settings: Settings,
) -> None:
    connector_id = add_connector(sessions, settings)

    result = hub("connectors", "schedule", str(connector_id), *options)

    assert result.exit_code == 2
    assert f"{field}:" in result.stderr
    assert rule in result.stderr
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ConnectorSchedule)) == 0


def test_a_schedule_for_an_unknown_connector_is_refused(hub: Any) -> None:
    result = hub("connectors", "schedule", "42", "--interval", "30m")

    assert result.exit_code == 2
    assert "connector: no connector with id 42" in result.stderr


def test_schedule_pause_resume_and_health(
    hub: Any, sessions: sessionmaker[Session], settings: Settings
) -> None:
    connector_id = add_connector(sessions, settings)

    first = hub("connectors", "schedule", str(connector_id), "--interval", "1h30m", "--json")
    cron = hub("connectors", "schedule", str(connector_id), "--cron", "0 */6 * * *",
               "--jitter", "60", "--json")  # fmt: skip
    paused = hub("connectors", "pause", str(connector_id))
    health = hub("connectors", "health", "--json")

    assert json.loads(first.stdout)["interval_seconds"] == 5400
    assert json.loads(cron.stdout) | {"updated_at": None} == {
        "connector_id": connector_id,
        "interval_seconds": None,
        "cron": "0 */6 * * *",
        "jitter_seconds": 60,
        "updated_at": None,
    }
    assert paused.exit_code == 0
    [row] = json.loads(health.stdout)
    assert (row["state"], row["schedule"]) == ("paused", "cron 0 */6 * * *")
    refused = hub("connectors", "run", str(connector_id))
    assert refused.exit_code == 1
    assert "paused" in refused.stderr
    assert hub("connectors", "resume", str(connector_id)).exit_code == 0
    with sessions() as session:
        assert session.get_one(ConnectorInstance, connector_id).status == "active"


def test_run_executes_through_the_dispatcher_and_prints_the_finished_runs(
    hub: Any,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    with serve_catalog(CatalogSource(12)) as base_url:
        connector_id = add_connector(sessions, settings, base_url)
        result = hub("connectors", "run", str(connector_id), "--json")

    [run] = json.loads(result.stdout)
    assert result.exit_code == 0
    assert (run["trigger"], run["status"], run["counts"]["created"]) == ("manual", "succeeded", 12)
