"""Access tokens: signed JWTs (RFC 9068) issued to clients, verified offline against the JWKS and
online against the deny-list of revoked tokens."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Connection, Row, Select, bindparam, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.auth.keys import ALG, LEEWAY, KeyRing
from hub.settings import Settings
from hub.store.models import OAuthClient, RevokedToken
from hub.store.types import utcnow

log = logging.getLogger(__name__)

#: The `typ` header of an RFC 9068 access token.
ACCESS_TOKEN_TYPE = "at+jwt"


def audience(settings: Settings) -> str:
    """The resource server the hub's access tokens are meant for: its API, not the client."""
    return settings.issuer.rstrip("/") + "/api/v1"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the client, the partner it acts for (None for an admin client) and the
    scopes its token carries."""

    client_id: str
    partner_id: str | None
    scopes: frozenset[str]
    jti: str
    expires_at: datetime

    @property
    def is_admin(self) -> bool:
        """Whether the token carries the `admin` scope, which reaches everything."""
        return "admin" in self.scopes

    def reaches(self, partner_id: str) -> bool:
        """Whether the caller may see or change this partner's data: its own, or any for
        admin."""
        return self.is_admin or self.partner_id == partner_id

    def allows(self, scope: str) -> bool:
        """Whether the token grants `scope` (an admin token grants every scope)."""
        return self.is_admin or scope in self.scopes


class InvalidToken(Exception):
    """The bearer token is not one the hub issued, or no longer valid. The message says why in
    words safe to return (never the token)."""


class TokenIssuer(JWTBearerTokenGenerator):
    """authlib's RFC 9068 generator, signing with the hub's current key (its `kid` in the
    header), for the hub's API as audience, naming the partner the client acts for."""

    def __init__(self, settings: Settings, keys: KeyRing, sessions: Any) -> None:
        super().__init__(issuer=settings.issuer, alg=ALG)
        self.settings = settings
        self.keys = keys
        # A callable giving the session of the current request.
        self.sessions = sessions
        self.expires_generator = lambda client, grant_type: settings.access_token_lifetime

    def get_jwks(self) -> KeySet:
        """A key set of the current key only, so that the token's `kid` names it."""
        return KeySet([self.keys.signing_key(self.sessions())])

    def get_audiences(self, client: Any, user: Any, scope: str) -> str:
        """The API, not the client id (authlib's default)."""
        return audience(self.settings)

    def get_extra_claims(
        self, client: Any, grant_type: str, user: Any, scope: str
    ) -> dict[str, Any]:
        """The partner the client acts for; admin clients act for none."""
        partner_id = client.partner_id
        return {} if partner_id is None else {"partner_id": partner_id}

    def generate(
        self,
        grant_type,
        client,
        user=None,
        scope=None,
        expires_in=None,
        include_refresh_token=False,
    ):
        """The token response, naming the partner too (null for an admin client); never a
        refresh token."""
        token = super().generate(grant_type, client, user, scope, expires_in, False)
        token["partner_id"] = client.partner_id
        log.info(
            "access token issued to client %s for %r, valid %ss",
            client.client_id,
            token["scope"],
            token["expires_in"],
        )
        return token


def revocation_check(*alongside: Any) -> Select[Any]:
    """The query `ensure_unrevoked` runs: whether a token's client is still active and the token
    not on the deny-list, one row read by the client's primary key and the deny-list's; plus the
    `alongside` columns (scalar subqueries), read in the same round trip. Build it once, at
    import: building costs more than running."""
    return select(
        OAuthClient.revoked_at,
        exists().where(RevokedToken.jti == bindparam("jti")),
        *alongside,
    ).where(OAuthClient.client_id == bindparam("client_id"))


_REVOCATION = revocation_check()


class TokenVerifier:
    """Checks a bearer token: signature by a published key, `typ`, issuer, audience, lifetime,
    then that neither the token nor its client has been revoked.

    The first three depend only on the token's bytes, so a process checks them once per token and
    keeps the claims (at most `remembered` tokens, each until it expires); revocation is read
    from the database on every request, so that it takes effect at once in every process.
    """

    def __init__(self, settings: Settings, keys: KeyRing, remembered: int = 4096) -> None:
        self.settings = settings
        self.keys = keys
        self.remembered = remembered
        self._claims = jwt.JWTClaimsRegistry(
            leeway=int(LEEWAY.total_seconds()),
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": audience(settings)},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            client_id={"essential": True},
            scope={"essential": True},
        )
        # token → (its claims, the monotonic time after which it is expired, leeway included)
        self._verified: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()

    def decode(self, connection: Connection, token: str) -> dict[str, Any]:
        """The claims of a token the hub signed and that has not expired; revocation is not
        checked here (see `verify`). `connection` is read only for a key not met before."""
        now = time.monotonic()
        with self._lock:
            kept = self._verified.get(token)
            if kept is not None and now < kept[1]:
                self._verified.move_to_end(token)
                return kept[0]
        claims = self._decode(connection, token)
        # The claims registry allowed LEEWAY past `exp`: keep the token no longer than that.
        expires = now + claims["exp"] + LEEWAY.total_seconds() - time.time()
        with self._lock:
            self._verified[token] = (claims, expires)
            self._verified.move_to_end(token)
            while len(self._verified) > self.remembered:
                self._verified.popitem(last=False)
        return claims

    def _decode(self, connection: Connection, token: str) -> dict[str, Any]:
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError, UnicodeError) as error:
            raise InvalidToken("the access token is malformed") from error
        if header.get("typ") != ACCESS_TOKEN_TYPE or header.get("alg") != ALG:
            raise InvalidToken("the token is not an access token of this hub")
        key = self.keys.public_key(connection, str(header.get("kid")))
        if key is None:
            raise InvalidToken("the token is signed by an unknown key")
        try:
            claims = jwt.decode(token, key, algorithms=[ALG]).claims
            self._claims.validate(claims)
        except JoseError as error:
            raise InvalidToken(f"the access token is invalid: {error.error}") from error
        return claims

    def verify(
        self, connection: Connection, token: str, check: Select[Any] = _REVOCATION
    ) -> tuple[Principal, tuple[Any, ...]]:
        """The caller a valid, unrevoked token stands for, and the values of the columns
        `check` (a `revocation_check`) reads alongside; raises InvalidToken otherwise."""
        claims = self.decode(connection, token)
        row = self.ensure_unrevoked(connection, claims, check)
        return principal(claims), tuple(row[2:])

    @staticmethod
    def ensure_unrevoked(
        connection: Connection, claims: dict[str, Any], check: Select[Any] = _REVOCATION
    ) -> Row[Any]:
        """Raise InvalidToken when the token or its client was revoked; otherwise the row `check`
        (a `revocation_check`) read. One indexed read: the client's status and the deny-list
        together."""
        row = connection.execute(
            check, {"jti": claims["jti"], "client_id": claims["client_id"]}
        ).first()
        if row is None or row[0] is not None:
            raise InvalidToken("the client of this token is revoked")
        if row[1]:
            raise InvalidToken("the access token is revoked")
        return row


def principal(claims: dict[str, Any]) -> Principal:
    """The caller described by a token's claims."""
    return Principal(
        client_id=claims["client_id"],
        partner_id=claims.get("partner_id"),
        scopes=frozenset(str(claims["scope"]).split()),
        jti=claims["jti"],
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


def revoke(session: Session, claims: dict[str, Any]) -> None:
    """Put a token on the deny-list until it expires; forget tokens that expired meanwhile."""
    now = utcnow()
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now - LEEWAY))
    if session.get(RevokedToken, claims["jti"]) is None:
        try:
            with session.begin_nested():
                session.add(
                    RevokedToken(
                        jti=claims["jti"],
                        client_id=claims["client_id"],
                        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                        revoked_at=now,
                    )
                )
        except IntegrityError:
            pass  # revoked meanwhile by a concurrent request: the outcome is the same
        log.info("access token %s of client %s revoked", claims["jti"], claims["client_id"])
