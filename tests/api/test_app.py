"""The app's operations endpoints, its OpenAPI document and offline docs, and that no secret or
token reaches a log or an answer."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hub.app import create_app
from hub.settings import Settings
from tests.api.conftest import ClientFactory, request_token


def test_healthz_and_readyz(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok", "database": "ok"}


def test_the_served_app_exposes_prometheus_metrics(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    assert client.get("/api/v1/partners", headers=admin_headers).status_code == 200

    answer = client.get("/metrics")

    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert 'hub_http_request_duration_seconds_count{endpoint="/api/v1/partners"' in text
    assert "hub_connectors" in text


def test_readyz_is_503_when_the_database_does_not_answer(
    settings: Settings, tmp_path: Path
) -> None:
    nowhere = dataclasses.replace(settings, database_url="postgresql+psycopg://127.0.0.1:1/nothing")
    client = create_app({"TESTING": True, "HUB_SETTINGS": nowhere}).test_client()

    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "the database does not answer"


def test_readyz_is_503_before_hub_init_made_a_signing_key(settings: Settings) -> None:
    client = create_app({"TESTING": True, "HUB_SETTINGS": settings}).test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert "hub init" in response.get_json()["detail"]


def test_the_openapi_document_is_3_1_with_scopes_per_operation(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()

    assert spec["openapi"] == "3.1.0"
    scheme = spec["components"]["securitySchemes"]["clientCredentials"]
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "http://127.0.0.1:8000/oauth/token"
    assert "catalog:read" in flow["scopes"]
    post = spec["paths"]["/api/v1/partners"]["post"]
    assert post["security"] == [{"clientCredentials": ["admin"]}]
    assert "PartnerOut" in spec["components"]["schemas"]
    assert set(spec["components"]["schemas"]["Problem"]["properties"]) >= {
        "type",
        "title",
        "status",
        "detail",
        "errors",
    }


def test_the_docs_are_served_with_their_assets_offline(client: FlaskClient) -> None:
    page = client.get("/docs/").get_data(as_text=True)

    assert "/openapi.json" in page
    assert "https://" not in page.split("<body>")[0]
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.data) > 100_000
    assert client.get("/docs/swagger-ui.css").status_code == 200


def test_no_secret_or_token_in_logs_or_answers(
    client: FlaskClient,
    make_client: ClientFactory,
    make_partner: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client_id, secret = make_client("catalog:read", make_partner("lpk-a"))

    token = request_token(client, client_id, secret)["access_token"]
    answers = [
        client.get("/api/v1/partners", headers={"Authorization": f"Bearer {token}"}),
        client.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret)),
        client.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret)),
        client.get("/api/v1/partners", headers={"Authorization": f"Bearer {token}"}),
        client.post("/oauth/token", data={"grant_type": "client_credentials"},
                    auth=(client_id, secret + "x")),
    ]  # fmt: skip

    logged = caplog.text
    assert "access token issued to client" in logged
    assert "revoked" in logged
    for text_ in [logged, *(a.get_data(as_text=True) for a in answers)]:
        assert secret not in text_
        assert token not in text_
        assert token.split(".")[2] not in text_
