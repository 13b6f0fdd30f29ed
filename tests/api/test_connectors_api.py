"""Connector types and connectors over HTTP on both backends: registration validated before
storing, secrets write-only and encrypted at rest, check, runs queued with 202, pause/resume,
and each partner reaching only its own connectors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from hub.dispatch import APP_EXTENSION as DISPATCHER
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog
from hub.store.models import ConnectorInstance

Headers = Callable[..., dict[str, str]]
API_KEY = "kunci-rahasia-LPK-12345"


@pytest.fixture
def source() -> Iterator[str]:
    with serve_catalog(CatalogSource(25)) as base_url:
        yield base_url


@pytest.fixture
def config(source: str) -> dict[str, Any]:
    config = catalog_connector_config(source, page_size=10)
    config["auth"] = {"type": "api_key", "in": "header", "name": "X-API-Key", "key": API_KEY}
    return config


@pytest.fixture
def api_app(app: Flask) -> Iterator[Flask]:
    """The app; its dispatcher (if a run was asked for) is closed after the test."""
    yield app
    app.extensions[DISPATCHER].close()


@pytest.fixture
def providers(make_partner: Callable[..., str]) -> tuple[str, str]:
    return make_partner("lpk-a"), make_partner("lpk-b")


def register(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/v1/connectors", json=body, headers=headers)


def test_connector_types_publish_their_config_schema(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str]
) -> None:
    answer = client.get(
        "/api/v1/connector-types", headers=auth_headers("connectors:write", providers[0])
    )
    types = {t["name"]: t["config_schema"] for t in answer.get_json()["data"]}
    assert {"json_api", "push"} <= set(types)
    auth_variants = types["json_api"]["properties"]["auth"]["oneOf"]
    api_key = next(v for v in auth_variants if v["properties"]["type"]["const"] == "api_key")
    assert api_key["properties"]["key"]["writeOnly"] is True


def test_register_check_run_pause_resume(
    api_app: Flask,
    client: FlaskClient,
    auth_headers: Headers,
    providers: tuple[str, str],
    config: dict[str, Any],
    sessions: sessionmaker[Session],
) -> None:
    a, _ = providers
    writer = auth_headers("connectors:write jobs:read catalog:read", a)

    created = register(client, writer, type="json_api", config=config, name="katalog")
    assert created.status_code == 201, created.get_json()
    connector = created.get_json()
    assert connector["partner_id"] == a
    assert connector["config"]["auth"]["key"] == "********"
    assert API_KEY not in created.get_data(as_text=True)
    with sessions() as session:
        stored = session.scalars(select(ConnectorInstance.config)).one()
        as_text = session.execute(text("SELECT config FROM connectors")).scalar_one()
    assert API_KEY not in str(stored) + str(as_text)

    url = f"/api/v1/connectors/{connector['id']}"
    assert client.get(url, headers=writer).get_json()["config"]["auth"]["key"] == "********"
    assert client.post(f"{url}/check", headers=writer).get_json() == {"ok": True, "error": None}

    queued = client.post(f"{url}/runs", json={"stream": "courses"}, headers=writer)
    assert queued.status_code == 202
    run = queued.get_json()
    assert (run["status"], run["trigger"], run["stream"]) == ("queued", "api", "courses")
    assert queued.headers["Location"] == f"/api/v1/runs/{run['id']}"
    assert api_app.extensions[DISPATCHER].wait_idle(timeout=60)
    finished = client.get(f"/api/v1/runs/{run['id']}", headers=writer).get_json()
    assert (finished["status"], finished["counts"]["created"]) == ("succeeded", 25)

    paused = client.post(f"{url}/pause", headers=writer)
    assert paused.get_json()["status"] == "paused"
    refused = client.post(f"{url}/runs", json={"stream": "courses"}, headers=writer)
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert client.post(f"{url}/resume", headers=writer).get_json()["status"] == "active"
    unknown = client.post(f"{url}/runs", json={"stream": "kursus"}, headers=writer)
    assert unknown.status_code == 422
    assert "stream" in unknown.get_json()["errors"]

    assert client.get(f"{url}/schedule", headers=writer).status_code == 404
    scheduled = client.put(
        f"{url}/schedule", json={"interval": "6h", "jitter_seconds": 300}, headers=writer
    )
    assert scheduled.get_json()["interval_seconds"] == 6 * 3600
    assert client.get(f"{url}/schedule", headers=writer).get_json()["jitter_seconds"] == 300
    both = client.put(
        f"{url}/schedule", json={"interval": "1h", "cron": "0 2 * * *"}, headers=writer
    )
    assert both.status_code == 422
    assert "schedule" in both.get_json()["errors"]
    # Beyond a 32-bit column (PostgreSQL's "integer out of range"), and a date that never comes.
    endless = client.put(
        f"{url}/schedule", json={"interval": "99999999999999999999d"}, headers=writer
    )
    never = client.put(f"{url}/schedule", json={"cron": "0 0 31 2 *"}, headers=writer)
    assert (endless.status_code, never.status_code) == (422, 422)
    assert "interval" in endless.get_json()["errors"]
    assert "cron" in never.get_json()["errors"]
    assert client.get(f"{url}/schedule", headers=writer).get_json()["interval_seconds"] == 6 * 3600


def test_a_failing_source_is_reported_by_check(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str]
) -> None:
    writer = auth_headers("connectors:write", providers[0])
    config = catalog_connector_config("http://127.0.0.1:9", page_size=10)
    config["http"] = {"max_retries": 0}
    connector = register(client, writer, type="json_api", config=config).get_json()

    answer = client.post(f"/api/v1/connectors/{connector['id']}/check", headers=writer)

    assert answer.status_code == 200
    assert answer.get_json()["ok"] is False
    assert answer.get_json()["error"]["code"] in ("source_unavailable", "timeout")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "nope", "config": {}}, "type"),
        ({"type": "json_api", "config": {"base_url": "ftp://x", "streams": {}}}, "base_url"),
        ({"type": "json_api", "config": {}, "colour": "red"}, "colour"),
        ({"type": "json_api", "config": "text"}, "config"),
        ({"type": "json_api", "config": {}, "timezone": "Europe/Paris"}, "timezone"),
        ({"type": "json_api", "config": {}, "name": "x" * 101}, "name"),
    ],
)
def test_bad_registrations_are_refused_and_store_nothing(
    client: FlaskClient,
    auth_headers: Headers,
    providers: tuple[str, str],
    sessions: sessionmaker[Session],
    body: dict[str, Any],
    field: str,
) -> None:
    answer = register(client, auth_headers("connectors:write", providers[0]), **body)

    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"], answer.get_json()
    with sessions() as session:
        assert session.scalars(select(ConnectorInstance)).all() == []


def test_partners_reach_only_their_own_connectors(
    client: FlaskClient,
    auth_headers: Headers,
    providers: tuple[str, str],
    config: dict[str, Any],
) -> None:
    a, b = providers
    as_a, as_b = auth_headers("connectors:write", a), auth_headers("connectors:write", b)
    mine = register(client, as_a, type="json_api", config=config).get_json()
    register(client, as_b, type="json_api", config=config)
    url = f"/api/v1/connectors/{mine['id']}"

    for response in (
        client.get(url, headers=as_b),
        client.post(f"{url}/check", headers=as_b),
        client.post(f"{url}/pause", headers=as_b),
        client.post(f"{url}/runs", json={"stream": "courses"}, headers=as_b),
    ):
        assert response.status_code == 404
    assert [
        c["partner_id"] for c in client.get("/api/v1/connectors", headers=as_b).get_json()["data"]
    ] == [b]
    everyone = client.get("/api/v1/connectors", headers=auth_headers("admin")).get_json()
    assert {c["partner_id"] for c in everyone["data"]} == {a, b}
    # A partner registers only for itself; an admin names the partner.
    assert register(client, as_b, type="json_api", config=config, partner_id=a).status_code == 403
    admin = auth_headers("admin")
    unnamed = register(client, admin, type="json_api", config=config, name="x")
    assert unnamed.status_code == 422
    assert "partner_id" in unnamed.get_json()["errors"]
    named = register(client, admin, type="json_api", config=config, name="x", partner_id=b)
    assert named.get_json()["partner_id"] == b
