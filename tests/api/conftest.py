"""Fixtures for HTTP tests: the app on the test database (both backends), its test client, and
real access tokens minted through /oauth/token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from hub.app import create_app
from hub.auth.clients import ClientService
from hub.auth.keys import SigningKeyService
from hub.partners.services import PartnerService
from hub.settings import Settings

#: (scopes, partner id or code or None) → (client_id, client_secret)
ClientFactory = Callable[..., tuple[str, str]]
#: (scopes, partner id or code or None) → an access token
TokenFactory = Callable[..., str]
#: (scopes, partner id or code or None) → {"Authorization": "Bearer ..."}
HeadersFactory = Callable[..., dict[str, str]]


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Flask]:
    """The hub's app on the test database, with a signing key (as after `hub init`)."""
    with sessions.begin() as session:
        SigningKeyService(session, settings).ensure()
    app = create_app({"TESTING": True, "HUB_SETTINGS": settings})
    yield app
    app.extensions["hub"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def make_partner(sessions: sessionmaker[Session]) -> Callable[..., str]:
    """Onboard a partner (kind training_provider unless told); returns its id."""

    def make(code: str, kind: str = "training_provider", name: str | None = None) -> str:
        with sessions.begin() as session:
            partner = PartnerService(session).create(
                {"kind": kind, "code": code, "name": name or code.upper()}
            )
            return partner.id

    return make


@pytest.fixture
def make_client(sessions: sessionmaker[Session]) -> ClientFactory:
    """Create an OAuth client holding `scopes` (a space-separated string or a list), for a
    partner (id or code) or, without one, an admin client."""

    def make(scopes: str | list[str], partner: str | None = None) -> tuple[str, str]:
        wanted = scopes.split() if isinstance(scopes, str) else scopes
        with sessions.begin() as session:
            issued = ClientService(session).create(wanted, partner)
            assert issued.client_secret is not None
            return issued.client.client_id, issued.client_secret

    return make


def request_token(
    client: FlaskClient, client_id: str, client_secret: str, scope: str | None = None
) -> dict[str, Any]:
    """POST /oauth/token with client_secret_basic; the JSON answer."""
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    response = client.post("/oauth/token", data=form, auth=(client_id, client_secret))
    assert response.status_code == 200, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


@pytest.fixture
def make_token(client: FlaskClient, make_client: ClientFactory) -> TokenFactory:
    """A real access token, through /oauth/token, for a new client holding `scopes` (for a
    partner, or admin without one)."""

    def make(scopes: str | list[str], partner: str | None = None) -> str:
        client_id, secret = make_client(scopes, partner)
        return str(request_token(client, client_id, secret)["access_token"])

    return make


@pytest.fixture
def auth_headers(make_token: TokenFactory) -> HeadersFactory:
    """`Authorization: Bearer` headers of a real token for a new client with `scopes`."""

    def make(scopes: str | list[str], partner: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(scopes, partner)}"}

    return make


@pytest.fixture
def admin_headers(auth_headers: HeadersFactory) -> dict[str, str]:
    """Headers of a real admin token."""
    return auth_headers("admin")
