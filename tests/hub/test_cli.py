"""The `hub` command's fixed forms (DESIGN.md §6): JSON for scripts, exit statuses, and bad input
refused with the field named and nothing stored."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.cli import cli
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog
from hub.store.models import ConnectorInstance, Course, OAuthClient
from tests.conftest import as_json


def add_connector(hub: Any, tmp_path: Path, config: dict[str, Any], *options: str) -> Any:
    """Register a declarative connector for partner lpk-a through the CLI; its JSON answer."""
    path = tmp_path / "connector.json"
    path.write_text(json.dumps(config))
    return as_json(
        hub("connectors", "add", "--type", "declarative", "--partner", "lpk-a",
            "--config", str(path), *options, "--json")
    )  # fmt: skip


def test_init_prints_an_admin_client_once_then_nothing(
    hub: Any, sessions: sessionmaker[Session]
) -> None:
    first = as_json(hub("init", "--json"))
    again = as_json(hub("init", "--json"))

    assert set(first) == {"client_id", "client_secret"}
    assert again == {}
    with sessions() as session:
        client = session.get(OAuthClient, first["client_id"])
        assert client is not None
        assert client.scopes == "admin"
        assert client.secret_hash is not None
        assert first["client_secret"] not in client.secret_hash


def test_partner_and_client_creation_print_the_api_json(hub: Any) -> None:
    partner = as_json(
        hub(
            "partners",
            "create",
            "--kind",
            "training_provider",
            "--code",
            "lpk-a",
            "--name",
            "LPK A",
            "--json",
        )
    )
    client = as_json(
        hub(
            "clients",
            "create",
            "--partner",
            partner["id"],
            "--scopes",
            "catalog:write catalog:read",
            "--json",
        )
    )

    assert partner["code"] == "lpk-a"
    assert partner["kind"] == "training_provider"
    assert set(client) == {"client_id", "client_secret", "scopes"}
    # Hex: an id starting with "-" would read as an option on a command line.
    assert re.fullmatch("[0-9a-f]{32}", client["client_id"])
    assert client["scopes"] == ["catalog:read", "catalog:write"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["partners", "create", "--kind", "bank", "--code", "b", "--name", "B"], "kind"),
        (
            ["partners", "create", "--kind", "platform", "--code", "No Spaces!", "--name", "P"],
            "code",
        ),
        (["clients", "create", "--scopes", "catalog:read"], "scopes"),
        (["clients", "create", "--scopes", "root"], "scopes"),
    ],
)
def test_bad_input_exits_2_naming_the_field(hub: Any, args: list[str], field: str) -> None:
    result = hub(*args)

    assert result.exit_code == 2
    assert field in result.stderr


def test_malformed_connector_config_is_refused_and_nothing_stored(
    hub: Any, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    hub("partners", "create", "--kind", "training_provider", "--code", "lpk-a", "--name", "A")
    config = catalog_connector_config("http://127.0.0.1:9")
    config["streams"]["courses"]["pagination"]["page_size"] = "lots"
    path = tmp_path / "connector.json"
    path.write_text(json.dumps(config))

    result = hub(
        "connectors", "add", "--type", "declarative", "--partner", "lpk-a", "--config", str(path)
    )

    assert result.exit_code == 2
    assert "streams.courses.pagination.page_size" in result.stderr
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ConnectorInstance)) == 0


def test_a_config_file_that_is_not_utf8_is_refused_and_nothing_stored(
    hub: Any, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    hub("partners", "create", "--kind", "training_provider", "--code", "lpk-a", "--name", "A")
    path = tmp_path / "connector.yaml"
    path.write_bytes(b"base_url: http://127.0.0.1:9\nname: Kurs\xe9\n")

    result = hub(
        "connectors", "add", "--type", "declarative", "--partner", "lpk-a", "--config", str(path)
    )

    assert result.exit_code == 2
    assert "is not UTF-8 text (byte 39)" in " ".join(result.stderr.split())
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ConnectorInstance)) == 0


def test_unknown_connector_type_and_partner_are_refused(hub: Any, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("base_url: http://127.0.0.1:9\n")
    hub("partners", "create", "--kind", "training_provider", "--code", "lpk-a", "--name", "A")

    no_type = hub(
        "connectors", "add", "--type", "nope", "--partner", "lpk-a", "--config", str(path)
    )
    no_partner = hub(
        "connectors", "add", "--type", "declarative", "--partner", "ghost", "--config", str(path)
    )

    assert no_type.exit_code == 2
    assert "nope" in no_type.stderr
    assert no_partner.exit_code == 1
    assert "ghost" in no_partner.stderr


def test_sync_then_runs_list_and_show(
    hub: Any, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    hub("partners", "create", "--kind", "training_provider", "--code", "lpk-a", "--name", "A")
    with serve_catalog(CatalogSource(120)) as base_url:
        config = catalog_connector_config(base_url, page_size=50)
        added = add_connector(hub, tmp_path, config, "--timezone", "Asia/Makassar")
        assert as_json(hub("connectors", "check", str(added["id"]), "--json")) == {"ok": True}
        [run] = as_json(hub("connectors", "sync", str(added["id"]), "--json"))

    listed = as_json(hub("runs", "list", "--json"))["data"]
    shown = as_json(hub("runs", "show", str(run["id"]), "--json"))

    assert added["timezone"] == "Asia/Makassar"
    assert run["status"] == "succeeded"
    assert run["counts"]["created"] == 120
    assert [r["id"] for r in listed] == [run["id"]]
    assert shown["counts"] == run["counts"]
    assert shown["rejections"] == {"total": 0, "first": []}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 120


def test_sync_of_an_unreachable_source_exits_1_with_the_reason(hub: Any, tmp_path: Path) -> None:
    hub("partners", "create", "--kind", "training_provider", "--code", "lpk-a", "--name", "A")
    config = catalog_connector_config("http://127.0.0.1:9")  # nothing listens on port 9
    config["http"] = {"max_retries": 0}
    added = add_connector(hub, tmp_path, config)

    result = hub("connectors", "sync", str(added["id"]))
    check = hub("connectors", "check", str(added["id"]), "--json")

    assert result.exit_code == 1
    assert "failed" in result.stderr
    assert check.exit_code == 1
    assert json.loads(check.stdout)["error"]["code"] == "source_unavailable"


def test_show_of_a_missing_run_exits_1(hub: Any) -> None:
    result = hub("runs", "show", "999")

    assert result.exit_code == 1
    assert "999" in result.stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["runs", "show", "2147483648"], "RUN_ID"),
        (["runs", "show", "0"], "RUN_ID"),
        (["connectors", "sync", "99999999999999999999"], "CONNECTOR_ID"),
        (["connectors", "pause", "2147483648"], "CONNECTOR_ID"),
        (["runs", "list", "--connector", "2147483648"], "--connector"),
    ],
)
def test_an_id_no_key_column_holds_exits_2_naming_it(hub: Any, args: list[str], field: str) -> None:
    # PostgreSQL refuses to compare a 32-bit key with it and SQLite to bind one beyond 64 bits:
    # a usage error naming the argument and its range, not a traceback.
    result = hub(*args)

    assert result.exit_code == 2
    assert field in result.stderr
    assert "1<=x<=2147483647" in result.stderr


def test_schemas_export_writes_one_json_schema_per_entity(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schemas", "export", str(tmp_path / "out")])

    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [
        "certificate.schema.json",
        "course.schema.json",
        "partner.schema.json",
        "payment.schema.json",
    ]
    course = json.loads((tmp_path / "out" / "course.schema.json").read_text())
    assert course["$schema"] == "https://json-schema.org/draft/2020-12/schema"
