"""POST /oauth/token: client credentials with each client authentication method, scopes, and
access tokens that an independent JOSE library (PyJWT) verifies against the published JWKS."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from jwt.algorithms import RSAAlgorithm

from hub.auth.clients import ClientService
from tests.api.conftest import ClientFactory

ISSUER = "http://127.0.0.1:8000"
API = ISSUER + "/api/v1"


def token_request(client: FlaskClient, **form: str) -> Any:
    return client.post("/oauth/token", data={"grant_type": "client_credentials", **form})


def verify_independently(client: FlaskClient, token: str) -> dict[str, Any]:
    """Verify `token` with PyJWT against /.well-known/jwks.json, as a platform would."""
    header = pyjwt.get_unverified_header(token)
    jwks = client.get("/.well-known/jwks.json").get_json()
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    key = RSAAlgorithm.from_jwk(jwk)
    assert isinstance(key, rsa.RSAPublicKey)  # the JWKS must never publish the private half
    claims: dict[str, Any] = pyjwt.decode(
        token, key=key, algorithms=["RS256"], audience=API, issuer=ISSUER
    )
    return claims


def test_basic_auth_gets_a_jwt_that_pyjwt_verifies_against_the_jwks(
    client: FlaskClient, make_client: ClientFactory, make_partner: Callable[..., str]
) -> None:
    partner_id = make_partner("lpk-maju")
    client_id, secret = make_client("catalog:read catalog:write", partner_id)

    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    answer = response.get_json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 900
    assert answer["partner_id"] == partner_id
    assert "refresh_token" not in answer
    assert set(answer["scope"].split()) == {"catalog:read", "catalog:write"}
    token = answer["access_token"]
    header = pyjwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    assert header["kid"]
    claims = verify_independently(client, token)
    assert claims["iss"] == ISSUER
    assert claims["sub"] == claims["client_id"] == client_id
    # authlib's default audience is the client id: ours is the API.
    assert claims["aud"] == API
    assert claims["partner_id"] == partner_id
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 60
    assert len(claims["jti"]) >= 16


def test_client_secret_post_is_accepted(client: FlaskClient, make_client: ClientFactory) -> None:
    client_id, secret = make_client("admin")

    response = token_request(client, client_id=client_id, client_secret=secret)

    assert response.status_code == 200
    claims = verify_independently(client, response.get_json()["access_token"])
    assert claims["scope"] == "admin"
    assert "partner_id" not in claims
    assert response.get_json()["partner_id"] is None


def test_a_wrong_secret_is_invalid_client(client: FlaskClient, make_client: ClientFactory) -> None:
    client_id, _ = make_client("admin")

    basic = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "nope")
    )
    post = token_request(client, client_id=client_id, client_secret="nope")
    unknown = token_request(client, client_id="nobody", client_secret="nope")

    assert basic.status_code == 401
    assert basic.get_json()["error"] == "invalid_client"
    assert post.get_json()["error"] == unknown.get_json()["error"] == "invalid_client"
    assert "access_token" not in post.get_json()


@pytest.mark.parametrize("endpoint", ["/oauth/token", "/oauth/introspect", "/oauth/revoke"])
def test_a_client_id_with_a_nul_is_invalid_client_not_a_server_error(
    client: FlaskClient, endpoint: str
) -> None:
    # PostgreSQL refuses to compare a text column with a NUL: the lookup itself used to fail.
    form = {"grant_type": "client_credentials", "token": "t"}
    basic = client.post(endpoint, data=form, auth=("lpk\x00a", "secret"))
    post = client.post(endpoint, data={**form, "client_id": "lpk\x00a", "client_secret": "s"})
    unknown = client.post(endpoint, data={**form, "client_id": "nobody", "client_secret": "s"})

    assert basic.status_code == 401
    assert (post.status_code, post.get_json()) == (unknown.status_code, unknown.get_json())
    assert basic.get_json()["error"] == post.get_json()["error"] == "invalid_client"


def test_a_scope_the_client_was_not_granted_is_invalid_scope_not_a_narrower_token(
    client: FlaskClient, make_client: ClientFactory, make_partner: Callable[..., str]
) -> None:
    client_id, secret = make_client("catalog:read", make_partner("lpk-a"))

    too_much = token_request(
        client, client_id=client_id, client_secret=secret, scope="catalog:read catalog:write"
    )
    unknown = token_request(client, client_id=client_id, client_secret=secret, scope="root")

    assert too_much.status_code == 400
    assert too_much.get_json()["error"] == "invalid_scope"
    assert "catalog:write" in too_much.get_json()["error_description"]
    assert unknown.get_json()["error"] == "invalid_scope"


def test_asking_for_fewer_scopes_gets_exactly_those(
    client: FlaskClient, make_client: ClientFactory, make_partner: Callable[..., str]
) -> None:
    client_id, secret = make_client("catalog:read jobs:read", make_partner("lpk-a"))

    answer = token_request(
        client, client_id=client_id, client_secret=secret, scope="jobs:read"
    ).get_json()

    assert answer["scope"] == "jobs:read"
    assert verify_independently(client, answer["access_token"])["scope"] == "jobs:read"


def test_other_grant_types_are_refused(client: FlaskClient, make_client: ClientFactory) -> None:
    client_id, secret = make_client("admin")

    response = client.post(
        "/oauth/token", data={"grant_type": "password"}, auth=(client_id, secret)
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_a_revoked_client_gets_no_token(client: FlaskClient, make_client: ClientFactory) -> None:
    client_id, secret = make_client("admin")
    with client.application.extensions["hub"].sessions.begin() as session:
        ClientService(session).revoke(client_id)

    response = token_request(client, client_id=client_id, client_secret=secret)

    assert response.get_json()["error"] == "invalid_client"


# --- private_key_jwt (RFC 7523) ---


@pytest.fixture
def key_client(
    client: FlaskClient, make_partner: Callable[..., str], admin_headers: dict[str, str]
) -> tuple[str, rsa.RSAPrivateKey]:
    """A client registered through the API with its public key; (client_id, private key)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk["kid"] = "k1"
    partner_id = make_partner("bank-x", kind="payment_partner")
    response = client.post(
        f"/api/v1/partners/{partner_id}/clients",
        json={"scopes": ["payments:write"], "jwks": {"keys": [jwk]}},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["client_secret"] is None
    return answer["client_id"], private


def assertion(client_id: str, key: Any, alg: str = "RS256", **overrides: Any) -> str:
    """A client assertion for `client_id` signed with `key`; `overrides` replace claims."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": ISSUER + "/oauth/token",
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        **overrides,
    }
    return pyjwt.encode(claims, key, algorithm=alg, headers={"kid": "k1"})


def key_request(client: FlaskClient, signed: str, **form: str) -> Any:
    return token_request(
        client,
        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion=signed,
        **form,
    )


def test_private_key_jwt_gets_a_token(
    client: FlaskClient, key_client: tuple[str, rsa.RSAPrivateKey]
) -> None:
    client_id, private = key_client

    response = key_request(client, assertion(client_id, private))

    assert response.status_code == 200, response.get_json()
    claims = verify_independently(client, response.get_json()["access_token"])
    assert claims["client_id"] == client_id
    assert claims["scope"] == "payments:write"


def test_a_replayed_assertion_is_refused(
    client: FlaskClient, key_client: tuple[str, rsa.RSAPrivateKey]
) -> None:
    client_id, private = key_client
    signed = assertion(client_id, private)

    first = key_request(client, signed)
    replay = key_request(client, signed)

    assert first.status_code == 200
    assert replay.status_code in (400, 401)
    assert replay.get_json()["error"] == "invalid_client"


def bad_assertion(kind: str, client_id: str, key: Any, other: Any) -> str:
    """An assertion for `client_id` that is wrong in one way."""
    now = int(time.time())
    match kind:
        case "signed-by-another-key":
            return assertion(client_id, other)
        case "aud":
            return assertion(client_id, key, aud="https://elsewhere")
        case "expired":
            return assertion(client_id, key, exp=now - 600)
        case "too-long":
            return assertion(client_id, key, exp=now + 86400)
        case "iss-not-sub":
            return assertion(client_id, key, iss="someone")
        case "unknown-client":
            return assertion(client_id, key, sub="nobody", iss="nobody")
        case "sub-not-a-string":
            return assertion(client_id, key, sub=42)
        case "hs256":
            return assertion(client_id, "s" * 32, alg="HS256")
        case "no-signature":
            return assertion(client_id, key).rsplit(".", 1)[0] + "."
    return "not.a.jwt"


@pytest.mark.parametrize(
    "kind",
    [
        "signed-by-another-key",
        "aud",
        "expired",
        "too-long",
        "iss-not-sub",
        "unknown-client",
        "sub-not-a-string",
        "hs256",
        "no-signature",
        "garbage",
    ],
)
def test_a_bad_assertion_is_invalid_client_never_a_server_error(
    client: FlaskClient, key_client: tuple[str, rsa.RSAPrivateKey], kind: str
) -> None:
    """authlib can turn a bad assertion into a 500 when two JWT client-auth methods are
    registered side by side; the hub registers one, and every bad assertion is a 4xx."""
    client_id, private = key_client
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = key_request(client, bad_assertion(kind, client_id, private, other))

    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_a_secret_client_cannot_use_an_assertion_nor_a_key_client_a_secret(
    client: FlaskClient, make_client: ClientFactory, key_client: tuple[str, rsa.RSAPrivateKey]
) -> None:
    secret_client_id, _ = make_client("admin")
    key_client_id, private = key_client

    forged = key_request(client, assertion(secret_client_id, private))
    guessed = token_request(client, client_id=key_client_id, client_secret="")

    assert forged.get_json()["error"] == "invalid_client"
    assert guessed.get_json()["error"] == "invalid_client"
