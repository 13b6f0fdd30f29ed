"""The demo's credentials: made once, kept in a private file, and replaced part by part only when
they no longer work."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.admin.accounts import AdminService
from hub.auth.clients import ClientService, verify_secret
from hub.demo.credentials import ADMIN_EMAIL, DemoCredentials, ensure_credentials
from hub.store.models import Admin, OAuthClient


def ensure(sessions: sessionmaker[Session], path: Path) -> tuple[DemoCredentials, bool]:
    with sessions.begin() as session:
        return ensure_credentials(session, path)


def works(sessions: sessionmaker[Session], credentials: DemoCredentials) -> bool:
    with sessions.begin() as session:
        client = session.get_one(OAuthClient, credentials.client_id)
        signed_in = AdminService(session).sign_in(ADMIN_EMAIL, credentials.admin_password)
        return (
            client.scopes == "admin"
            and client.revoked_at is None
            and verify_secret(client, credentials.client_secret)
            and signed_in is not None
        )


def test_credentials_are_made_once_and_kept_in_a_file_only_the_user_reads(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "var" / "demo-credentials.json"
    made, new = ensure(sessions, path)
    assert new
    assert works(sessions, made)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert orjson.loads(path.read_bytes())["admin_password"] == made.admin_password
    again, new = ensure(sessions, path)
    assert (again, new) == (made, False)


def test_a_lost_file_gives_a_new_client_and_a_new_password_for_the_same_admin(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "demo-credentials.json"
    old, _ = ensure(sessions, path)
    path.unlink()
    fresh, new = ensure(sessions, path)
    assert new
    assert fresh.client_id != old.client_id
    assert fresh.admin_password != old.admin_password
    assert works(sessions, fresh)
    with sessions() as session:
        assert AdminService(session).sign_in(ADMIN_EMAIL, old.admin_password) is None
        assert session.scalar(select(func.count()).select_from(Admin)) == 1


def test_a_revoked_client_is_replaced_and_the_password_kept(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "demo-credentials.json"
    old, _ = ensure(sessions, path)
    with sessions.begin() as session:
        ClientService(session).revoke(old.client_id)
    fresh, new = ensure(sessions, path)
    assert new
    assert fresh.client_id != old.client_id
    assert fresh.admin_password == old.admin_password
    assert works(sessions, fresh)
