"""`hub runs list`: the monitor's filters and keyset pages from the command line; bad filters
refused naming the field (exit 2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session, sessionmaker

from hub.cli import cli
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import catalog_connector_config
from hub.settings import Settings
from hub.store.models import Run

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def hub(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUB_SECRET_KEY", settings.secret_key)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def listed(result: Result) -> Any:
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def runs(sessions: sessionmaker[Session], settings: Settings) -> dict[str, list[int]]:
    """Two partners with a connector each; partner lpk-a has six runs an hour apart (every
    third failed, the last manual), lpk-b one. Run ids by partner, oldest first."""
    ids: dict[str, list[int]] = {}
    with sessions.begin() as session:
        for code, count in (("lpk-a", 6), ("lpk-b", 1)):
            PartnerService(session).create(
                {"kind": "training_provider", "code": code, "name": code}
            )
            connector = ConnectorService(session).add(
                code, "json_api", catalog_connector_config("http://x.test"),
                sealer=ConfigSealer(settings),
            )  # fmt: skip
            made = [
                Run(
                    connector_id=connector.id,
                    stream="courses",
                    mode="incremental",
                    trigger="manual" if i == count - 1 else "schedule",
                    status="failed" if i % 3 == 2 else "succeeded",
                    created_at=T0 + timedelta(hours=i),
                )
                for i in range(count)
            ]
            session.add_all(made)
            session.flush()
            ids[code] = [r.id for r in made]
    return ids


def test_runs_list_filters_combine_and_pages_follow_the_cursor(
    hub: Any, runs: dict[str, list[int]]
) -> None:
    a = runs["lpk-a"]

    everything = listed(hub("runs", "list", "--json"))
    of_a = listed(hub("runs", "list", "--partner", "lpk-a", "--json"))
    failed = listed(hub("runs", "list", "--partner", "lpk-a", "--status", "failed", "--json"))
    manual = listed(hub("runs", "list", "--trigger", "manual", "--json"))
    window = listed(
        hub("runs", "list", "--partner", "lpk-a", "--since", "2026-05-01T09:00:00+00:00",
            "--until", "2026-05-01T19:00:00+07:00", "--json")
    )  # fmt: skip
    first = listed(hub("runs", "list", "--partner", "lpk-a", "--limit", "4", "--json"))
    second = listed(
        hub("runs", "list", "--partner", "lpk-a", "--limit", "4", "--cursor",
            first["next_cursor"], "--json")
    )  # fmt: skip

    assert [r["id"] for r in everything["data"]] == sorted(a + runs["lpk-b"], reverse=True)
    assert everything["next_cursor"] is None
    assert [r["id"] for r in of_a["data"]] == a[::-1]
    assert [r["id"] for r in failed["data"]] == [a[5], a[2]]
    assert [r["id"] for r in manual["data"]] == sorted([a[5], runs["lpk-b"][0]], reverse=True)
    # 09:00 UTC up to 12:00 UTC (19:00 in Jakarta), the end excluded.
    assert [r["id"] for r in window["data"]] == [a[3], a[2], a[1]]
    assert [r["id"] for r in first["data"]] == a[:1:-1]
    assert [r["id"] for r in second["data"]] == [a[1], a[0]]
    assert second["next_cursor"] is None


def test_runs_list_without_json_is_a_table_with_the_next_cursor(
    hub: Any, runs: dict[str, list[int]]
) -> None:
    result = hub("runs", "list", "--partner", "lpk-a", "--limit", "2")

    assert result.exit_code == 0
    assert f"--cursor {runs['lpk-a'][4]}" in result.stdout


@pytest.mark.parametrize(
    ("options", "field", "rule"),
    [
        (["--since", "2026-05-01T09:00:00"], "since", "UTC offset"),
        (["--since", "yesterday"], "--since", "ISO 8601"),
        (["--since", "2026-05-02T00:00:00Z", "--until", "2026-05-01T00:00:00Z"], "until",
         "later than since"),
        (["--status", "exploded"], "--status", "exploded"),
        (["--trigger", "whim"], "--trigger", "whim"),
        (["--limit", "501"], "--limit", "501"),
        (["--cursor", "abc"], "cursor", "not a cursor"),
    ],
)  # fmt: skip
def test_runs_list_refuses_a_bad_filter_naming_it(
    hub: Any, runs: dict[str, list[int]], options: list[str], field: str, rule: str
) -> None:
    result = hub("runs", "list", *options, "--json")

    assert result.exit_code == 2
    assert field in result.stderr
    assert rule in result.stderr


def test_runs_list_of_an_unknown_partner_says_so(hub: Any, runs: dict[str, list[int]]) -> None:
    result = hub("runs", "list", "--partner", "lpk-zz")

    assert result.exit_code == 1
    assert "lpk-zz" in result.stderr
