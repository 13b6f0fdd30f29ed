"""OAuth 2.0 clients: created with a secret shown once, kept as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import InvalidInput, NotFound
from hub.partners.services import PartnerService
from hub.store.models import OAuthClient
from hub.store.types import utcnow

#: The scopes a client may hold (DESIGN.md §5), each with what it grants.
SCOPES = {
    "catalog:read": "Read the normalized course catalog and change feed.",
    "catalog:write": "Push courses of the token's own partner.",
    "certificates:read": "Read completion certificates.",
    "certificates:write": "Push certificates of the token's own partner.",
    "payments:read": "Read payment transactions.",
    "payments:write": "Push payment transactions of the token's own partner.",
    "connectors:write": "Register, check, schedule and trigger the partner's connectors.",
    "jobs:read": "Read sync runs and their rejections.",
    "admin": "Everything, for every partner.",
}


@dataclass(frozen=True, slots=True)
class IssuedClient:
    """A new client and its secret: the only time the secret is seen (None for a client that
    authenticates with a registered key)."""

    client: OAuthClient
    client_secret: str | None


def hash_secret(secret: str) -> str:
    """The stored form of a client secret. Secrets are 256-bit random, so a plain SHA-256 is
    beyond brute force and keeps token requests fast."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def verify_secret(client: OAuthClient, secret: str) -> bool:
    """Whether `secret` is this client's, in constant time."""
    return client.secret_hash is not None and hmac.compare_digest(
        client.secret_hash, hash_secret(secret)
    )


def _check_jwks(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """A JWKS of public signing keys, or InvalidInput naming the rule it breaks."""
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        message = "must be a JSON Web Key Set ({'keys': [...]}) of RSA or EC public keys"
        raise InvalidInput(f"jwks: {message}", {"jwks": [message]}) from error
    if not keys.keys or any(key.is_private for key in keys.keys):
        message = "must hold at least one key, and public keys only"
        raise InvalidInput(f"jwks: {message}", {"jwks": [message]})
    return dict(keys.as_dict(private=False))


class ClientService:
    """Creates and finds OAuth clients. The caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        scopes: Iterable[str],
        partner_ref: str | None = None,
        jwks: Mapping[str, Any] | None = None,
    ) -> IssuedClient:
        """A new client for the partner (or an admin client when none is named). With `jwks`
        it authenticates by private_key_jwt and has no secret; otherwise by its secret."""
        wanted = sorted(set(scopes))
        unknown = [s for s in wanted if s not in SCOPES]
        if not wanted or unknown:
            message = f"each scope must be one of {', '.join(SCOPES)}"
            raise InvalidInput(f"scopes: {message}", {"scopes": [message]})
        partner_id = PartnerService(self.session).get(partner_ref).id if partner_ref else None
        if partner_id is None and wanted != ["admin"]:
            message = "a client without a partner is an admin client: its scope is 'admin'"
            raise InvalidInput(f"scopes: {message}", {"scopes": [message]})
        public_jwks = _check_jwks(jwks) if jwks is not None else None
        secret = None if public_jwks else secrets.token_urlsafe(32)
        client = OAuthClient(
            # Hex, not URL-safe base64: an id starting with "-" would read as an option to
            # `hub clients revoke ID` (one in 64 did).
            client_id=secrets.token_hex(16),
            secret_hash=hash_secret(secret) if secret else None,
            partner_id=partner_id,
            scopes=" ".join(wanted),
            created_at=utcnow(),
            jwks=public_jwks,
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

    def revoke(self, client_id: str) -> OAuthClient:
        """Revoke a client: it gets no new tokens, and the tokens it holds stop working at once.
        Revoking a revoked client changes nothing."""
        client = self.session.get(OAuthClient, client_id)
        if client is None:
            raise NotFound(f"client: no client with id {client_id!r}")
        if client.revoked_at is None:
            client.revoked_at = utcnow()
            self.session.flush()
        return client
