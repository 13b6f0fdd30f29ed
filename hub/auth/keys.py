"""The keys the hub signs access tokens with: made by `hub init`, rotated by `hub keys rotate`,
published at `/.well-known/jwks.json`."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import Connection, or_, select
from sqlalchemy.orm import Session

from hub.errors import HubError
from hub.settings import Settings
from hub.store.models import SigningKey
from hub.store.types import utcnow

ALG = "RS256"
#: Verifiers allow this much clock skew, so a retired key is kept published that much longer.
LEEWAY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A signing key as an operator sees it: never the private half."""

    kid: str
    alg: str
    created_at: datetime
    retired_at: datetime | None
    is_current: bool


class SigningKeyService:
    """Creates, rotates and reads signing keys. The caller owns the transaction.

    Private keys are stored as PKCS#8 PEM encrypted with a key derived from the hub's secret key,
    so a copy of the database alone cannot sign tokens.
    """

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    def ensure(self) -> bool:
        """Make a first signing key unless one is current; True when one was made. An existing
        key must open with this secret key, else HubError says so (the hub could not sign)."""
        if self._current() is None:
            self._add()
            return True
        self.signing_key()
        return False

    def rotate(self) -> KeyInfo:
        """Make a new current key. The previous one stops signing now and stays published until
        every token it signed has expired."""
        now = utcnow()
        previous = self._current()
        if previous is not None:
            previous.is_current = None
            previous.retired_at = now
            # The unique "current" slot must be free before the new key takes it.
            self.session.flush()
        return self._info(self._add())

    def list(self) -> Sequence[KeyInfo]:
        """Every stored key, newest first."""
        keys = self.session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc()))
        return [self._info(k) for k in keys]

    def signing_key(self) -> RSAKey:
        """The current private key, with its `kid`, for signing."""
        row = self._current()
        if row is None:
            raise LookupError("no signing key: run `hub init`")
        try:
            private = serialization.load_pem_private_key(
                row.private_pem.encode(), password=self._encryption_key()
            )
        except ValueError as error:
            raise HubError(
                f"signing key {row.kid} does not open with this HUB_SECRET_KEY: "
                "use the secret key it was made with, or make a new key with `hub keys rotate`"
            ) from error
        return RSAKey.import_key(private, {"kid": row.kid, "alg": row.alg, "use": "sig"})  # type: ignore[arg-type]

    def published(self) -> KeySet:
        """The public keys a verifier may meet: the current one and those retired less than a
        token lifetime (plus clock skew) ago."""
        horizon = utcnow() - timedelta(seconds=self.settings.access_token_lifetime) - LEEWAY
        rows = self.session.scalars(
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > horizon))
            .order_by(SigningKey.created_at.desc())
        )
        return KeySet([RSAKey.import_key(dict(r.public_jwk)) for r in rows])

    def current_kid(self) -> str | None:
        """The `kid` of the current key, or None before `hub init`."""
        return self.session.scalar(select(SigningKey.kid).where(SigningKey.is_current.is_(True)))

    def _current(self) -> SigningKey | None:
        return self.session.scalar(select(SigningKey).where(SigningKey.is_current.is_(True)))

    def _add(self) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAKey.import_key(private)
        jwk.ensure_kid()  # the RFC 7638 thumbprint: stable, and unique per key
        kid = str(jwk.kid)
        public = {**jwk.as_dict(private=False), "kid": kid, "alg": ALG, "use": "sig"}
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._encryption_key()),
        )
        row = SigningKey(
            kid=kid,
            alg=ALG,
            public_jwk=public,
            private_pem=pem.decode(),
            is_current=True,
            created_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def _encryption_key(self) -> bytes:
        return self.settings.subkey("signing-keys")

    @staticmethod
    def _info(row: SigningKey) -> KeyInfo:
        return KeyInfo(row.kid, row.alg, row.created_at, row.retired_at, bool(row.is_current))


class KeyRing:
    """A process's cache of keys, so that neither signing nor verifying decrypts or parses a key
    per request. Shared by the threads of one app; sessions are passed in per call.

    Signing asks the database which key is current on every token request (one indexed read), so
    a rotation made by another process takes effect at once. Verification reloads the published
    keys only when it meets a `kid` it does not know.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._signing: dict[str, RSAKey] = {}
        self._public: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def signing_key(self, session: Session) -> RSAKey:
        """The current private key."""
        service = SigningKeyService(session, self.settings)
        kid = service.current_kid()
        if kid is None:
            raise LookupError("no signing key: run `hub init`")
        if (key := self._signing.get(kid)) is None:
            key = service.signing_key()
            with self._lock:
                self._signing = {kid: key}
        return key

    def public_key(self, connection: Connection, kid: str) -> RSAKey | None:
        """The published key with this `kid`, or None when no such key is published."""
        if (key := self._public.get(kid)) is None:
            with Session(connection) as session:
                published = SigningKeyService(session, self.settings).published()
            with self._lock:
                self._public = {str(k.kid): k for k in published.keys}  # type: ignore[misc]
            key = self._public.get(kid)
        return key
