"""`hub init`, `hub keys`, `hub clients`: signing keys made and rotated, clients created with the
API's JSON and revoked; and `hub serve` answering over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.orm import Session, sessionmaker

from hub.settings import Settings
from hub.store.models import OAuthClient, SigningKey
from tests.conftest import as_json


def test_init_makes_one_signing_key_and_rotate_adds_a_current_one(
    hub: Any, sessions: sessionmaker[Session]
) -> None:
    as_json(hub("init", "--json"))
    as_json(hub("init", "--json"))
    first = as_json(hub("keys", "list", "--json"))

    rotated = as_json(hub("keys", "rotate", "--json"))
    after = as_json(hub("keys", "list", "--json"))

    assert len(first) == 1
    assert first[0]["current"] is True
    assert [k["kid"] for k in after] == [rotated["kid"], first[0]["kid"]]
    assert [k["current"] for k in after] == [True, False]
    assert after[1]["retired_at"] is not None
    with sessions() as session:
        for key in session.query(SigningKey):
            # Kept encrypted: a copy of the database alone cannot sign.
            assert "ENCRYPTED PRIVATE KEY" in key.private_pem
            assert "d" not in key.public_jwk


def test_clients_create_prints_the_same_json_as_the_api(hub: Any) -> None:
    as_json(hub("init", "--json"))
    partner = as_json(
        hub("partners", "create", "--kind", "platform", "--code", "tokoku", "--name", "Tokoku",
            "--json")
    )  # fmt: skip

    answer = as_json(
        hub("clients", "create", "--partner", partner["id"], "--scopes", "catalog:read jobs:read",
            "--json")
    )  # fmt: skip

    assert set(answer) == {"client_id", "client_secret", "scopes"}
    assert answer["scopes"] == ["catalog:read", "jobs:read"]
    assert set(partner) == {"id", "kind", "code", "name", "status", "contact", "created_at"}


def test_a_key_client_from_a_jwks_file_has_no_secret(
    hub: Any, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    as_json(hub("init", "--json"))
    as_json(hub("partners", "create", "--kind", "payment_partner", "--code", "bank-x",
                "--name", "Bank X", "--json"))  # fmt: skip
    public = RSAAlgorithm.to_jwk(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(), as_dict=True
    )
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public]}))

    answer = as_json(
        hub("clients", "create", "--partner", "bank-x", "--scopes", "payments:write",
            "--jwks", str(path), "--json")
    )  # fmt: skip

    assert answer["client_secret"] is None
    with sessions() as session:
        client = session.get(OAuthClient, answer["client_id"])
        assert client is not None
        assert client.secret_hash is None
        assert client.jwks is not None


def test_clients_revoke_marks_the_client_and_an_unknown_one_fails(
    hub: Any, sessions: sessionmaker[Session]
) -> None:
    admin = as_json(hub("init", "--json"))

    revoked = hub("clients", "revoke", admin["client_id"])
    unknown = hub("clients", "revoke", "nobody")

    assert revoked.exit_code == 0
    with sessions() as session:
        client = session.get(OAuthClient, admin["client_id"])
        assert client is not None
        assert client.revoked_at is not None
    assert unknown.exit_code == 1
    assert "nobody" in unknown.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(hub: Any, settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    """`hub serve` in a child process after `hub init`; (base URL, admin client)."""
    admin = as_json(hub("init", "--json"))
    port = _free_port()
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_SECRET_KEY": settings.secret_key,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        # Once gunicorn listens, connections wait in the backlog until its worker accepts them.
        for line in process.stdout:
            if "Listening at" in line:
                break
        else:
            pytest.fail("hub serve exited before serving")
        yield f"http://127.0.0.1:{port}", admin
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_answers_over_http_with_a_real_token(served: tuple[str, dict[str, str]]) -> None:
    base, admin = served
    session = requests.Session()

    ready = session.get(f"{base}/readyz", timeout=30)

    assert ready.json() == {"status": "ok", "database": "ok"}

    token = session.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(admin["client_id"], admin["client_secret"]),
        timeout=10,
    ).json()["access_token"]
    partners = session.get(
        f"{base}/api/v1/partners", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )

    assert partners.status_code == 200
    assert partners.json() == {"data": [], "next_cursor": None}


def test_init_with_another_secret_key_says_the_signing_key_does_not_open(
    hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_json(hub("init", "--json"))
    monkeypatch.setenv("HUB_SECRET_KEY", "another-secret")

    result = hub("init", "--json")

    assert result.exit_code == 1
    assert "does not open with this HUB_SECRET_KEY" in " ".join(result.stderr.split())
    # The way out it names works: a new key, made without opening the old one.
    assert hub("keys", "rotate").exit_code == 0
    assert as_json(hub("init", "--json")) == {}
