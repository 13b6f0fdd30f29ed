"""`hub sandbox`: definitions for every partner, registration through the command line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml
from click.testing import CliRunner

import connectors
from hub.cli import cli
from hub.settings import Settings


def test_definitions_are_written_for_every_partner_and_each_is_a_valid_definition(
    tmp_path: Path,
) -> None:
    out = tmp_path / "defs"
    result = CliRunner().invoke(
        cli, ["sandbox", "definitions", "--url", "http://127.0.0.1:8900", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.yaml"))
    assert len(files) == 185
    declarative = connectors.get_connector_type("declarative")
    for path in files:
        definition = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert definition["base_url"] == f"http://127.0.0.1:8900/{path.stem}"
        connectors.load_config(declarative, definition)
    hmac_signed = [p for p in files if "type: hmac" in p.read_text(encoding="utf-8")]
    assert hmac_signed


def test_register_is_idempotent_from_the_command_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUB_SECRET_KEY", settings.secret_key)
    command = ["sandbox", "--seed", "2", "register", "--url", "http://127.0.0.1:8900", "--json"]
    first = CliRunner().invoke(cli, command)
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(cli, command)
    registered, repeated = orjson.loads(first.output), orjson.loads(again.output)
    assert len(registered) == 185
    assert all(entry["created"] for entry in registered)
    assert not any(entry["created"] for entry in repeated)
    assert [e["connector_id"] for e in repeated] == [e["connector_id"] for e in registered]


def test_a_bad_fault_plan_is_bad_usage() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "--port", "0", "--faults", "5xx"])
    assert result.exit_code == 2
    assert "--faults" in result.output
    assert "5xx:N" in result.output
