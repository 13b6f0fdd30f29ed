"""Revocation (RFC 7009) that takes effect at once, introspection (RFC 7662), server metadata
(RFC 8414), and signing-key rotation with old tokens valid until they expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from hub.app import create_app
from hub.auth.clients import ClientService
from hub.auth.keys import SigningKeyService
from hub.settings import Settings
from hub.store.models import SigningKey
from hub.store.types import utcnow
from tests.api.conftest import ClientFactory, request_token

PARTNERS = "/api/v1/partners"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_revoked_token_stops_working_at_once(
    client: FlaskClient, make_client: ClientFactory
) -> None:
    client_id, secret = make_client("admin")
    token = request_token(client, client_id, secret)["access_token"]
    other = request_token(client, client_id, secret)["access_token"]
    # A JWT is longer than authlib's sample token column (255): the hub stores only its jti,
    # so revocation works on PostgreSQL too (this test runs on both backends).
    assert len(token) > 255
    assert client.get(PARTNERS, headers=bearer(token)).status_code == 200

    revoked = client.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret))

    assert revoked.status_code == 200
    after = client.get(PARTNERS, headers=bearer(token))
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]
    assert after.get_json()["detail"] == "the access token is revoked"
    # Only that token: the client's other token still works.
    assert client.get(PARTNERS, headers=bearer(other)).status_code == 200


def test_revocation_in_one_process_takes_effect_at_once_in_another(
    client: FlaskClient, make_client: ClientFactory, settings: Settings
) -> None:
    client_id, secret = make_client("admin")
    token = request_token(client, client_id, secret)["access_token"]
    # A second app on the same database stands for another server process; it has verified
    # (and keeps) the token before the revocation.
    other_process = create_app({"TESTING": True, "HUB_SETTINGS": settings})
    try:
        other = other_process.test_client()
        assert other.get(PARTNERS, headers=bearer(token)).status_code == 200

        client.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret))

        after = other.get(PARTNERS, headers=bearer(token))
        assert after.status_code == 401
        assert after.get_json()["detail"] == "the access token is revoked"
    finally:
        other_process.extensions["hub"].engine.dispose()


def test_a_client_cannot_revoke_another_clients_token(
    client: FlaskClient, make_client: ClientFactory, make_partner: Callable[..., str]
) -> None:
    owner_id, owner_secret = make_client("admin")
    token = request_token(client, owner_id, owner_secret)["access_token"]
    thief_id, thief_secret = make_client("catalog:read", make_partner("lpk-a"))

    answer = client.post("/oauth/revoke", data={"token": token}, auth=(thief_id, thief_secret))

    assert answer.status_code == 200  # RFC 7009 §2.2: no hint about foreign tokens
    assert client.get(PARTNERS, headers=bearer(token)).status_code == 200


def test_revoking_a_client_ends_its_tokens_at_once(
    client: FlaskClient, make_client: ClientFactory, sessions: sessionmaker[Session]
) -> None:
    client_id, secret = make_client("admin")
    token = request_token(client, client_id, secret)["access_token"]

    with sessions.begin() as session:
        ClientService(session).revoke(client_id)

    answer = client.get(PARTNERS, headers=bearer(token))
    assert answer.status_code == 401
    assert answer.get_json()["detail"] == "the client of this token is revoked"


def test_introspection_says_active_then_inactive_after_revocation(
    client: FlaskClient, make_client: ClientFactory, make_partner: Callable[..., str]
) -> None:
    partner_id = make_partner("lpk-a")
    client_id, secret = make_client("catalog:read jobs:read", partner_id)
    token = request_token(client, client_id, secret)["access_token"]

    active = client.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret))
    client.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret))
    inactive = client.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret))

    body = active.get_json()
    assert body["active"] is True
    assert body["client_id"] == body["sub"] == client_id
    assert set(body["scope"].split()) == {"catalog:read", "jobs:read"}
    assert body["partner_id"] == partner_id
    assert body["aud"] == "http://127.0.0.1:8000/api/v1"
    assert body["token_type"] == "Bearer"
    assert inactive.get_json() == {"active": False}


def test_introspection_of_foreign_or_bogus_tokens_is_inactive(
    client: FlaskClient, make_client: ClientFactory, make_partner: Callable[..., str]
) -> None:
    owner_id, owner_secret = make_client("catalog:read", make_partner("lpk-a"))
    token = request_token(client, owner_id, owner_secret)["access_token"]
    other_id, other_secret = make_client("catalog:read", make_partner("lpk-b"))
    admin_id, admin_secret = make_client("admin")

    def introspect(token: str, auth: tuple[str, str]) -> Any:
        return client.post("/oauth/introspect", data={"token": token}, auth=auth).get_json()

    assert introspect(token, (other_id, other_secret)) == {"active": False}
    assert introspect("garbage", (owner_id, owner_secret)) == {"active": False}
    assert introspect(token, (admin_id, admin_secret))["active"] is True
    unauthenticated = client.post("/oauth/introspect", data={"token": token})
    assert unauthenticated.status_code == 401
    assert unauthenticated.get_json()["error"] == "invalid_client"


def test_metadata_names_the_endpoints_and_methods(client: FlaskClient) -> None:
    meta = client.get("/.well-known/oauth-authorization-server").get_json()

    assert meta["issuer"] == "http://127.0.0.1:8000"
    assert meta["token_endpoint"] == "http://127.0.0.1:8000/oauth/token"
    assert meta["jwks_uri"] == "http://127.0.0.1:8000/.well-known/jwks.json"
    assert meta["introspection_endpoint"].endswith("/oauth/introspect")
    assert meta["revocation_endpoint"].endswith("/oauth/revoke")
    assert meta["grant_types_supported"] == ["client_credentials"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    }
    assert "catalog:read" in meta["scopes_supported"]


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
    client: FlaskClient,
    make_client: ClientFactory,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    client_id, secret = make_client("admin")
    old_token = request_token(client, client_id, secret)["access_token"]

    with sessions.begin() as session:
        new_kid = SigningKeyService(session, settings).rotate().kid
    new_token = request_token(client, client_id, secret)["access_token"]

    old_kid = pyjwt.get_unverified_header(old_token)["kid"]
    assert pyjwt.get_unverified_header(new_token)["kid"] == new_kid != old_kid
    published = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert published == {old_kid, new_kid}
    assert client.get(PARTNERS, headers=bearer(old_token)).status_code == 200
    assert client.get(PARTNERS, headers=bearer(new_token)).status_code == 200


def test_a_retired_key_leaves_the_jwks_once_its_tokens_have_expired(
    app: Flask,
    client: FlaskClient,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    with sessions.begin() as session:
        service = SigningKeyService(session, settings)
        (old,) = service.list()
        service.rotate()
        service.rotate()
        # The first key was retired a token lifetime and the clock-skew allowance ago.
        lifetime = timedelta(seconds=settings.access_token_lifetime)
        session.execute(
            update(SigningKey)
            .where(SigningKey.kid == old.kid)
            .values(retired_at=utcnow() - lifetime - timedelta(seconds=61))
        )

    published = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]

    assert len(published) == 2
    assert old.kid not in published


def test_a_token_signed_by_an_unpublished_key_is_refused(
    client: FlaskClient, make_client: ClientFactory
) -> None:
    client_id, secret = make_client("admin")
    token = request_token(client, client_id, secret)["access_token"]
    header, payload, _ = token.split(".")
    claims = pyjwt.decode(token, options={"verify_signature": False})
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = pyjwt.get_unverified_header(token)["kid"]
    forged = pyjwt.encode(claims, forger, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})
    # PyJWT takes "" as the absent key of alg "none".
    none_alg = pyjwt.encode(claims, "", algorithm="none", headers={"kid": kid, "typ": "at+jwt"})

    for bad in (forged, none_alg, f"{header}.{payload}.", "x" * 40):
        answer = client.get(PARTNERS, headers=bearer(bad))
        assert answer.status_code == 401, bad
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
