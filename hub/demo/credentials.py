"""The demo's own credentials: an admin OAuth client and a dashboard admin, kept in a file only
the user can read, so that every run of the demo can show them again."""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from hub.admin.accounts import AdminService
from hub.auth.clients import ClientService, verify_secret
from hub.store.models import Admin, OAuthClient

ADMIN_EMAIL = "admin@hub.local"
FILE_NAME = "demo-credentials.json"


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    """What the demo prints for the user to sign in with."""

    client_id: str
    client_secret: str
    admin_email: str
    admin_password: str


def ensure_credentials(session: Session, path: Path) -> tuple[DemoCredentials, bool]:
    """The credentials saved at `path`, each part kept while it still works in this database:
    otherwise a new admin client, and a new password for the demo admin (created if missing).
    Saved at `path` with mode 0600; True when anything new was made. The caller owns the
    transaction, and commits it only after this has saved the file."""
    saved = _load(path)
    client_ok = saved is not None and _client_works(session, saved)
    admin_ok = saved is not None and _admin_works(session, saved)
    if saved is not None and client_ok and admin_ok:
        return saved, False
    if saved is not None and client_ok:
        client_id, client_secret = saved.client_id, saved.client_secret
    else:
        issued = ClientService(session).create(["admin"])
        client_id, client_secret = issued.client.client_id, issued.client_secret or ""
    if saved is not None and admin_ok:
        password = saved.admin_password
    else:
        password = secrets.token_urlsafe(12)
        admins = AdminService(session)
        if session.scalar(select(Admin.id).where(Admin.email == ADMIN_EMAIL)) is None:
            admins.create(ADMIN_EMAIL, password)
        else:
            # Its password was lost with the file: the demo admin gets a new one.
            admins.set_password(ADMIN_EMAIL, password)
    fresh = DemoCredentials(client_id, client_secret, ADMIN_EMAIL, password)
    _save(path, fresh)
    return fresh, True


def _load(path: Path) -> DemoCredentials | None:
    try:
        return DemoCredentials(**orjson.loads(path.read_bytes()))
    except (OSError, orjson.JSONDecodeError, TypeError):
        return None


def _client_works(session: Session, saved: DemoCredentials) -> bool:
    client = session.get(OAuthClient, saved.client_id)
    return (
        client is not None
        and client.revoked_at is None
        and client.partner_id is None
        and verify_secret(client, saved.client_secret)
    )


def _admin_works(session: Session, saved: DemoCredentials) -> bool:
    admin = session.scalar(select(Admin).where(Admin.email == saved.admin_email))
    return admin is not None and check_password_hash(admin.password_hash, saved.admin_password)


def _save(path: Path, credentials: DemoCredentials) -> None:
    # Written to a private temporary file and renamed, so the secrets are never readable by
    # others and never half-written.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(orjson.dumps(asdict(credentials), option=orjson.OPT_INDENT_2))
    os.replace(temporary, path)
