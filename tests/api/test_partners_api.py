"""/api/v1/partners and /api/v1/partners/{id}/clients (admin): onboarding through the API."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.api.conftest import HeadersFactory, request_token

PARTNERS = "/api/v1/partners"


def test_an_admin_onboards_a_partner_and_gives_it_a_client(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    created = client.post(
        PARTNERS,
        json={"kind": "training_provider", "code": "lpk-maju", "name": "LPK Maju"},
        headers=admin_headers,
    )
    assert created.status_code == 201
    partner = created.get_json()
    assert partner["code"] == "lpk-maju"
    assert partner["status"] == "active"

    issued = client.post(
        f"{PARTNERS}/{partner['id']}/clients",
        json={"scopes": ["catalog:write", "catalog:read"]},
        headers=admin_headers,
    )

    assert issued.status_code == 201
    answer = issued.get_json()
    assert set(answer) == {"client_id", "client_secret", "scopes"}
    assert answer["scopes"] == ["catalog:read", "catalog:write"]
    token = request_token(client, answer["client_id"], answer["client_secret"])
    assert token["partner_id"] == partner["id"]


def test_partners_are_listed_a_page_at_a_time(
    client: FlaskClient, admin_headers: dict[str, str], make_partner: Callable[..., str]
) -> None:
    for code in ("lpk-c", "lpk-a", "lpk-b"):
        make_partner(code)

    first = client.get(f"{PARTNERS}?limit=2", headers=admin_headers).get_json()
    second = client.get(
        f"{PARTNERS}?limit=2&cursor={first['next_cursor']}", headers=admin_headers
    ).get_json()

    assert [p["code"] for p in first["data"]] == ["lpk-a", "lpk-b"]
    assert [p["code"] for p in second["data"]] == ["lpk-c"]
    assert second["next_cursor"] is None


def test_a_partners_token_cannot_onboard_partners(
    client: FlaskClient, auth_headers: HeadersFactory, make_partner: Callable[..., str]
) -> None:
    headers = auth_headers("catalog:write catalog:read", make_partner("lpk-a"))

    response = client.post(
        PARTNERS, json={"kind": "platform", "code": "evil", "name": "Evil"}, headers=headers
    )

    assert response.status_code == 403


def test_a_jwks_with_a_private_key_is_refused(
    client: FlaskClient, admin_headers: dict[str, str], make_partner: Callable[..., str]
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    private = RSAAlgorithm.to_jwk(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), as_dict=True
    )

    response = client.post(
        f"{PARTNERS}/{make_partner('lpk-a')}/clients",
        json={"scopes": ["catalog:read"], "jwks": {"keys": [private]}},
        headers=admin_headers,
    )

    assert response.status_code == 422
    assert "public keys only" in response.get_json()["errors"]["jwks"][0]
