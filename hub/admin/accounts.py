"""Programme admins of the dashboard: accounts with a hashed password, and signed-in sessions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hub.errors import Conflict, InvalidInput, NotFound
from hub.store.models import Admin, AdminSession
from hub.store.types import utcnow

#: Shortest password accepted: long passphrases beat composition rules (NIST SP 800-63B).
MIN_PASSWORD_LENGTH = 12
#: How long a sign-in lasts before the admin signs in again.
SESSION_LIFETIME = timedelta(hours=8)
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the admin, and the token only the browser keeps."""

    admin: Admin
    token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    """The stored form of an email address (trimmed, lower case); InvalidInput names the rule."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if not (at and local and "." in domain.strip(".") and not any(c.isspace() for c in value)):
        raise InvalidInput(
            "invalid admin", {"email": ["must be an address like name@example.go.id"]}
        )
    return value


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "invalid admin",
            {"password": [f"must be at least {MIN_PASSWORD_LENGTH} characters long"]},
        )


class AdminService:
    """Creates admins, checks their passwords, and opens and closes their sessions. The caller
    owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, email: str, password: str) -> Admin:
        """Store a new admin with a salted hash of `password` (scrypt, via werkzeug)."""
        address = normalize_email(email)
        _check_password(password)
        if self.session.scalar(select(Admin.id).where(Admin.email == address)) is not None:
            raise Conflict(f"email: an admin with email {address!r} exists already")
        admin = Admin(email=address, password_hash=generate_password_hash(password))
        self.session.add(admin)
        self.session.flush()
        return admin

    def set_password(self, email: str, password: str) -> Admin:
        """Give the admin with this email a new password (the rules of `create` apply); its open
        sessions end. NotFound when there is no such admin."""
        address = normalize_email(email)
        _check_password(password)
        admin = self.session.scalar(select(Admin).where(Admin.email == address))
        if admin is None:
            raise NotFound(f"admin: no admin with email {address!r}")
        admin.password_hash = generate_password_hash(password)
        self.session.execute(delete(AdminSession).where(AdminSession.admin_id == admin.id))
        self.session.flush()
        return admin

    def list(self) -> Sequence[Admin]:
        """All admins, by email."""
        return self.session.scalars(select(Admin).order_by(Admin.email)).all()

    def sign_in(self, email: str, password: str) -> SignedIn | None:
        """A new session when the email and password match an admin, else None (which of the two
        was wrong is not told)."""
        address = email.strip().lower()
        # No admin's address holds a NUL, and PostgreSQL refuses to even compare with one.
        admin = None
        if "\x00" not in address:
            admin = self.session.scalar(select(Admin).where(Admin.email == address))
        if admin is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        if not check_password_hash(admin.password_hash, password):
            return None
        now = utcnow()
        admin.last_signed_in_at = now
        token = secrets.token_urlsafe(32)
        self.session.add(
            AdminSession(
                token_hash=_token_hash(token),
                admin_id=admin.id,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        self.session.flush()
        return SignedIn(admin, token)

    def session_admin(self, token: str) -> Admin | None:
        """The admin whose unexpired session `token` opened, else None."""
        return self.session.scalar(
            select(Admin)
            .join(AdminSession, AdminSession.admin_id == Admin.id)
            .where(AdminSession.token_hash == _token_hash(token))
            .where(AdminSession.expires_at > utcnow())
        )

    def sign_out(self, token: str) -> None:
        """End the session `token` opened; the same cookie never signs in again."""
        self.session.execute(
            delete(AdminSession).where(AdminSession.token_hash == _token_hash(token))
        )
