"""OAuth 2.0 clients: created with a secret shown once, kept as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import InvalidInput
from hub.partners.services import PartnerService
from hub.store.models import OAuthClient
from hub.store.types import utcnow

SCOPES = (
    "catalog:read",
    "catalog:write",
    "certificates:read",
    "certificates:write",
    "payments:read",
    "payments:write",
    "connectors:write",
    "jobs:read",
    "admin",
)


@dataclass(frozen=True, slots=True)
class IssuedClient:
    """A new client and its secret: the only time the secret is seen."""

    client: OAuthClient
    client_secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a client secret. Secrets are 256-bit random, so a plain SHA-256 is
    beyond brute force and keeps token requests fast."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def verify_secret(client: OAuthClient, secret: str) -> bool:
    """Whether `secret` is this client's, in constant time."""
    return hmac.compare_digest(client.secret_hash, hash_secret(secret))


class ClientService:
    """Creates and finds OAuth clients. The caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, scopes: Iterable[str], partner_ref: str | None = None) -> IssuedClient:
        """A new client for the partner (or an admin client when none is named)."""
        wanted = sorted(set(scopes))
        unknown = [s for s in wanted if s not in SCOPES]
        if not wanted or unknown:
            message = f"each scope must be one of {', '.join(SCOPES)}"
            raise InvalidInput(f"scopes: {message}", {"scopes": [message]})
        partner_id = PartnerService(self.session).get(partner_ref).id if partner_ref else None
        if partner_id is None and wanted != ["admin"]:
            message = "a client without a partner is an admin client: its scope is 'admin'"
            raise InvalidInput(f"scopes: {message}", {"scopes": [message]})
        secret = secrets.token_urlsafe(32)
        client = OAuthClient(
            client_id=secrets.token_urlsafe(16),
            secret_hash=hash_secret(secret),
            partner_id=partner_id,
            scopes=" ".join(wanted),
            created_at=utcnow(),
        )
        self.session.add(client)
        self.session.flush()
        return IssuedClient(client, secret)

    def has_admin(self) -> bool:
        """Whether any admin client exists."""
        return (
            self.session.scalar(
                select(OAuthClient.client_id).where(OAuthClient.partner_id.is_(None)).limit(1)
            )
            is not None
        )
