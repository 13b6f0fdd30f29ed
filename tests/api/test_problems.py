"""Errors outside /oauth/* are RFC 9457 problem details: 401/403 with RFC 6750 challenges, 404,
409, 413, 415, 422 with per-field errors, 429 with Retry-After; and nothing is stored."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.app import create_app
from hub.settings import Settings
from hub.store.models import Partner
from hub.store.paging import encode_cursor
from tests.api.conftest import ClientFactory, HeadersFactory, request_token

PARTNERS = "/api/v1/partners"
PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    return body


def partner_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Partner)) or 0


def test_401_without_a_token_has_a_bare_bearer_challenge(client: FlaskClient) -> None:
    response = client.get(PARTNERS)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hub"'


def test_401_for_an_invalid_token_says_invalid_token(client: FlaskClient) -> None:
    response = client.get(PARTNERS, headers={"Authorization": "Bearer not-a-token"})

    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_403_names_the_missing_scope(
    client: FlaskClient, auth_headers: HeadersFactory, make_partner: Callable[..., str]
) -> None:
    response = client.get(PARTNERS, headers=auth_headers("catalog:read", make_partner("lpk-a")))

    body = assert_problem(response, 403)
    assert "admin" in body["detail"]
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="hub", error="insufficient_scope", scope="admin"'
    )


def test_403_comes_before_the_body_is_read(
    client: FlaskClient,
    auth_headers: HeadersFactory,
    make_partner: Callable[..., str],
    sessions: sessionmaker[Session],
) -> None:
    headers = auth_headers("catalog:write", make_partner("lpk-a"))

    response = client.post(PARTNERS, json={"kind": "nonsense"}, headers=headers)

    assert_problem(response, 403)
    assert partner_count(sessions) == 1


def test_404_for_an_unknown_path_and_an_unknown_partner(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    assert_problem(client.get("/api/v1/nothing-here", headers=admin_headers), 404)
    body = assert_problem(
        client.post(
            f"{PARTNERS}/nobody/clients", json={"scopes": ["catalog:read"]}, headers=admin_headers
        ),
        404,
    )
    assert "nobody" in body["detail"]


def test_405_is_a_problem_too(client: FlaskClient) -> None:
    assert_problem(client.delete("/healthz"), 405)


def test_409_for_a_duplicate_partner_code(
    client: FlaskClient, admin_headers: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    partner = {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
    assert client.post(PARTNERS, json=partner, headers=admin_headers).status_code == 201

    body = assert_problem(client.post(PARTNERS, json=partner, headers=admin_headers), 409)

    assert "lpk-a" in body["detail"]
    assert partner_count(sessions) == 1


def test_413_for_a_body_over_5_mb(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    body = b'{"name": "' + b"x" * (5 * 1024 * 1024) + b'"}'

    response = client.post(
        PARTNERS, data=body, content_type="application/json", headers=admin_headers
    )

    assert_problem(response, 413)


def test_415_for_a_body_that_is_not_json(
    client: FlaskClient, admin_headers: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    response = client.post(
        PARTNERS, data="kind=platform&code=x&name=X", headers=admin_headers,
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip

    body = assert_problem(response, 415)
    assert "application/json" in body["detail"]
    assert partner_count(sessions) == 0


def test_422_names_each_field_and_its_rule(
    client: FlaskClient, admin_headers: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    response = client.post(
        PARTNERS, json={"kind": "bakery", "code": "Not Valid!"}, headers=admin_headers
    )

    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"kind", "code", "name"}
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)
    assert any("lowercase" in m for m in body["errors"]["code"])
    assert partner_count(sessions) == 0


@pytest.mark.parametrize(
    "data",
    [
        b'{"kind": ',
        # Deeper than Python's recursion limit: the decoder's RecursionError was a 500.
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
    ],
    ids=["truncated", "nested-arrays", "nested-objects"],
)
def test_400_for_a_body_that_is_not_valid_json(
    client: FlaskClient, admin_headers: dict[str, str], data: bytes
) -> None:
    response = client.post(
        PARTNERS, data=data, content_type="application/json", headers=admin_headers
    )

    body = assert_problem(response, 400)
    assert body["detail"] == "Invalid JSON body."


def test_a_body_nested_too_deeply_is_refused_by_every_endpoint_that_reads_one(
    client: FlaskClient, auth_headers: HeadersFactory, make_partner: Callable[..., str]
) -> None:
    writer = auth_headers(["catalog:write", "connectors:write"], make_partner("lpk-a"))
    deep = b"[" * 100_000 + b"]" * 100_000

    for path, extra in (
        ("/api/v1/ingest/courses", {"Idempotency-Key": "k1"}),
        ("/api/v1/connectors", {}),
    ):
        response = client.post(
            path, data=deep, content_type="application/json", headers={**writer, **extra}
        )
        assert_problem(response, 400)


def test_422_for_bad_query_parameters(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    body = assert_problem(client.get(f"{PARTNERS}?limit=0", headers=admin_headers), 422)
    assert list(body["errors"]) == ["limit"]
    body = assert_problem(client.get(f"{PARTNERS}?cursor=%%%", headers=admin_headers), 422)
    assert list(body["errors"]) == ["cursor"]


def test_422_for_a_connector_filter_beyond_any_connector_id(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    # Found by the OpenAPI conformance test: PostgreSQL refused the int (a 500 before).
    query = {"connector_id": 2**31}

    body = assert_problem(
        client.get("/api/v1/runs", query_string=query, headers=admin_headers), 422
    )

    assert list(body["errors"]) == ["connector_id"]


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/api/v1/runs", str(2**63)),
        ("/api/v1/runs", "\u00b2"),
        ("/api/v1/connectors", encode_cursor(2**63)),
        ("/api/v1/connectors", encode_cursor(2**64 - 1)),
    ],
    ids=["runs-beyond-64-bits", "runs-superscript-digit", "connectors-2**63", "connectors-2**64-1"],
)
def test_422_for_a_cursor_no_key_can_match(
    client: FlaskClient, admin_headers: dict[str, str], path: str, cursor: str
) -> None:
    # Found by the OpenAPI conformance test: SQLite cannot bind such an int (a 500 before).
    body = assert_problem(
        client.get(path, query_string={"cursor": cursor}, headers=admin_headers), 422
    )

    assert list(body["errors"]) == ["cursor"]


def test_422_for_unknown_scopes_of_a_new_client(
    client: FlaskClient, admin_headers: dict[str, str], make_partner: Callable[..., str]
) -> None:
    partner_id = make_partner("lpk-a")

    response = client.post(
        f"{PARTNERS}/{partner_id}/clients", json={"scopes": ["root"]}, headers=admin_headers
    )

    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["scopes.0"]


@pytest.fixture
def limited_app(settings: Settings, app: Flask) -> Iterator[Flask]:
    """The app with a limit of 3 requests a minute per client."""
    limited = create_app(
        {"TESTING": True, "HUB_SETTINGS": dataclasses.replace(settings, rate_limit="3/minute")}
    )
    yield limited
    limited.extensions["hub"].engine.dispose()


def test_429_with_retry_after_once_a_client_is_over_its_limit(
    limited_app: Flask, make_client: ClientFactory
) -> None:
    client = limited_app.test_client()
    first_id, first_secret = make_client("admin")
    second_id, second_secret = make_client("admin")
    first = {
        "Authorization": f"Bearer {request_token(client, first_id, first_secret)['access_token']}"
    }
    second = {
        "Authorization": f"Bearer {request_token(client, second_id, second_secret)['access_token']}"
    }

    answers = [client.get(PARTNERS, headers=first) for _ in range(4)]

    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert_problem(answers[3], 429)
    # At worst the client waits out this minute and a third of the next (sliding window of 3).
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 80
    # The limit is per client: another client is not held back.
    assert client.get(PARTNERS, headers=second).status_code == 200


def test_a_nul_character_in_a_query_parameter_is_refused_by_name(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    answer = client.get("/api/v1/courses?partner_id=%00", headers=admin_headers)

    assert_problem(answer, 422)
    assert answer.get_json()["errors"] == {"partner_id": ["Must not contain a NUL character."]}
