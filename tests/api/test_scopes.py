"""Every endpoint refuses every scope that should not reach it (403, `insufficient_scope`), and
every request without a token (401); the scopes that should reach it get past the check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from hub.auth.clients import SCOPES

Headers = Callable[..., dict[str, str]]

READ_FEED = {"catalog:read", "certificates:read", "payments:read"}
#: (method, path) → the scopes that open it (besides `admin`, which opens everything)
ENDPOINTS: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/courses"): {"catalog:read"},
    ("GET", "/api/v1/courses/some-id"): {"catalog:read"},
    ("GET", "/api/v1/certificates"): {"certificates:read"},
    ("GET", "/api/v1/certificates/some-id"): {"certificates:read"},
    ("GET", "/api/v1/payments"): {"payments:read"},
    ("GET", "/api/v1/payments/some-id"): {"payments:read"},
    ("GET", "/api/v1/changes"): READ_FEED,
    ("POST", "/api/v1/ingest/courses"): {"catalog:write"},
    ("POST", "/api/v1/ingest/certificates"): {"certificates:write"},
    ("POST", "/api/v1/ingest/payments"): {"payments:write"},
    ("GET", "/api/v1/connector-types"): {"connectors:write"},
    ("GET", "/api/v1/connectors"): {"connectors:write"},
    ("POST", "/api/v1/connectors"): {"connectors:write"},
    ("GET", "/api/v1/connectors/1"): {"connectors:write"},
    ("POST", "/api/v1/connectors/1/check"): {"connectors:write"},
    ("POST", "/api/v1/connectors/1/pause"): {"connectors:write"},
    ("POST", "/api/v1/connectors/1/resume"): {"connectors:write"},
    ("POST", "/api/v1/connectors/1/runs"): {"connectors:write"},
    ("GET", "/api/v1/connectors/1/schedule"): {"connectors:write"},
    ("PUT", "/api/v1/connectors/1/schedule"): {"connectors:write"},
    ("GET", "/api/v1/runs"): {"jobs:read"},
    ("GET", "/api/v1/runs/1"): {"jobs:read"},
    ("GET", "/api/v1/runs/1/rejections"): {"jobs:read"},
}


@pytest.fixture
def tokens(auth_headers: Headers, make_partner: Callable[..., str]) -> dict[str, dict[str, str]]:
    """Headers of one token per non-admin scope, each for the same provider."""
    partner = make_partner("lpk-a")
    return {scope: auth_headers(scope, partner) for scope in SCOPES if scope != "admin"}


def test_the_matrix_covers_every_resource_of_this_api(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    documented = {
        (method.upper(), path)
        for path, operations in paths.items()
        if not path.startswith("/api/v1/partners")
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    templates = (
        ("some-id", "{record_id}"),
        ("/connectors/1", "/connectors/{connector_id}"),
        ("/runs/1", "/runs/{run_id}"),
    )
    covered = set()
    for method, path in ENDPOINTS:
        for concrete, template in templates:
            path = path.replace(concrete, template)
        covered.add((method, path))
    assert documented == covered


def test_every_endpoint_refuses_every_other_scope(
    client: FlaskClient, tokens: dict[str, dict[str, str]]
) -> None:
    for (method, path), allowed in ENDPOINTS.items():
        assert client.open(path, method=method, json={}).status_code == 401, path
        for scope, headers in tokens.items():
            response = client.open(
                path, method=method, json={}, headers={**headers, "Idempotency-Key": "k"}
            )
            if scope in allowed:
                assert response.status_code not in (401, 403), (method, path, scope)
            else:
                assert response.status_code == 403, (method, path, scope)
                assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
                assert response.mimetype == "application/problem+json"
