"""The OAuth 2.0 authorization server (authlib): client credentials at the token endpoint, with
client_secret_basic, client_secret_post or private_key_jwt; revocation (RFC 7009) and
introspection (RFC 7662) of the hub's JWT access tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, InvalidClientError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.auth.clients import verify_secret
from hub.auth.keys import LEEWAY, KeyRing
from hub.auth.tokens import InvalidToken, TokenIssuer, TokenVerifier, revoke
from hub.settings import Settings
from hub.store.models import OAuthClient, SpentAssertion
from hub.store.types import utcnow

SECRET_METHODS = ("client_secret_basic", "client_secret_post")
KEY_METHOD = "private_key_jwt"
AUTH_METHODS = [*SECRET_METHODS, KEY_METHOD]
#: Client assertions are meant to be short-lived; a longer one is refused, which also bounds how
#: long its `jti` must be remembered.
MAX_ASSERTION_LIFETIME = timedelta(minutes=10)
ASSERTION_ALGS = ["RS256", "PS256", "ES256"]

SessionGetter = Callable[[], Session]


class Client(ClientMixin):
    """authlib's view of a stored client: a secret client authenticates with its secret
    (basic or post), a key client only with an assertion signed by its registered key."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row

    @property
    def client_id(self) -> str:
        """The client's id."""
        return self.row.client_id

    @property
    def partner_id(self) -> str | None:
        """The partner it acts for; None for an admin client."""
        return self.row.partner_id

    @property
    def is_admin(self) -> bool:
        """Whether it is an admin client."""
        return "admin" in self.row.scopes.split()

    def get_client_id(self) -> str:
        """The client's id."""
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        """No redirects: machine-to-machine clients only."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        """Every scope the client holds when it asks for none, else what it asked for (which
        the grant has checked it holds)."""
        return scope or self.row.scopes

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """No redirects."""
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        """Whether the secret is this client's."""
        return verify_secret(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """A key client uses private_key_jwt; a secret client basic or post."""
        return method == KEY_METHOD if self.row.jwks else method in SECRET_METHODS

    def check_response_type(self, response_type: str) -> bool:
        """No authorization endpoint."""
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        """Client credentials only."""
        return grant_type == "client_credentials"


class ClientCredentials(ClientCredentialsGrant):
    """The client credentials grant; asking for a scope the client does not hold is
    `invalid_scope`, never a silently narrower token."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self) -> None:
        """Refuse scopes the client was not granted."""
        requested = set(scope_to_list(self.request.payload.scope) or [])
        granted = set(self.request.client.row.scopes.split())
        if missing := sorted(requested - granted):
            raise InvalidScopeError(description=f"the client was not granted: {' '.join(missing)}")


class PrivateKeyJwt(JWTBearerClientAssertion):
    """private_key_jwt (RFC 7523 §2.2): an assertion signed by the client's registered key,
    for this server, short-lived and used once."""

    CLIENT_AUTH_METHOD = KEY_METHOD

    def __init__(self, settings: Settings, sessions: SessionGetter) -> None:
        super().__init__(validate_jti=True, leeway=int(LEEWAY.total_seconds()))
        self.settings = settings
        self.sessions = sessions

    def get_audiences(self) -> list[str]:
        """The issuer and the token endpoint both name this server."""
        issuer = self.settings.issuer.rstrip("/")
        return [issuer, issuer + "/oauth/token"]

    def resolve_client_public_key(self, client: Client) -> KeySet:
        """The client's registered keys; a secret client has none, so cannot use this method."""
        if not client.row.jwks:
            raise InvalidClientError(description="the client has no registered key")
        try:
            keys = KeySet.import_key_set(client.row.jwks)  # type: ignore[arg-type]
        except (JoseError, ValueError) as error:
            raise InvalidClientError(
                description="the client's registered key is unusable"
            ) from error
        return keys

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        """Verify the assertion; any failure, whatever its kind, is `invalid_client`."""
        try:
            return super().process_assertion_claims(assertion, resolve_key)
        except InvalidClientError:
            raise
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise InvalidClientError(description="the client assertion is invalid") from error

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        """Accept each assertion once; refuse long-lived ones."""
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
        now = utcnow()
        if expires_at - now > MAX_ASSERTION_LIFETIME:
            raise InvalidClientError(description="the client assertion lives too long")
        session = self.sessions()
        client_id = str(claims["sub"])
        session.execute(delete(SpentAssertion).where(SpentAssertion.expires_at < now - LEEWAY))
        try:
            # The primary key makes the check and the claim one step: of two requests racing
            # with one assertion, exactly one gets in.
            with session.begin_nested():
                session.add(
                    SpentAssertion(client_id=client_id, jti=str(jti), expires_at=expires_at)
                )
        except IntegrityError:
            return False
        return True


class _TokenLookup:
    """What revocation and introspection share: reading a token the hub issued."""

    CLIENT_AUTH_METHODS = AUTH_METHODS
    verifier: TokenVerifier
    sessions: SessionGetter

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        """The hub's access token, or None for anything else (unknown or expired)."""
        try:
            return IssuedToken(self.verifier.decode(self.sessions().connection(), token_string))
        except InvalidToken:
            return None


class IssuedToken:
    """A decoded access token as authlib's endpoints use it."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims

    def check_client(self, client: Client) -> bool:
        """A client may revoke its own tokens; an admin client any token."""
        return client.is_admin or self.claims["client_id"] == client.client_id


class Revocation(_TokenLookup, RevocationEndpoint):
    """RFC 7009: a revoked token stops working at once (the deny-list is read per request)."""

    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def __init__(self, verifier: TokenVerifier, sessions: SessionGetter) -> None:
        super().__init__()
        self.verifier = verifier
        self.sessions = sessions

    def authenticate_token(self, request: Any, client: Client) -> IssuedToken | None:
        """The token, when it is the client's (or the client is admin); a token of another
        client is ignored like an unknown one (RFC 7009 §2.2: answer 200 all the same)."""
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token: IssuedToken, request: Any) -> None:
        """Deny the token until it expires."""
        revoke(self.sessions(), token.claims)


class Introspection(_TokenLookup, IntrospectionEndpoint):
    """RFC 7662: whether a token is active, and what it grants."""

    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def __init__(self, verifier: TokenVerifier, sessions: SessionGetter) -> None:
        super().__init__()
        self.verifier = verifier
        self.sessions = sessions

    def check_permission(self, token: IssuedToken, client: Client, request: Any) -> bool:
        """A client may introspect its own tokens; an admin client any token."""
        return token.check_client(client)

    def create_introspection_payload(self, token: IssuedToken | None) -> dict[str, Any]:
        """Active with its claims, or just inactive (unknown, expired, revoked, or another
        client's)."""
        if token is None:
            return {"active": False}
        try:
            self.verifier.ensure_unrevoked(self.sessions().connection(), token.claims)
        except InvalidToken:
            return {"active": False}
        claims = token.claims
        payload = {
            "active": True,
            "token_type": "Bearer",
            **{k: claims[k] for k in ("scope", "client_id", "sub", "aud", "iss", "exp", "iat")},
            "jti": claims["jti"],
        }
        payload["partner_id"] = claims.get("partner_id")
        return payload


def build_server(
    app: Flask, settings: Settings, keys: KeyRing, verifier: TokenVerifier, sessions: SessionGetter
) -> AuthorizationServer:
    """The authorization server of one app."""

    def query_client(client_id: Any) -> Client | None:
        # No client's id holds a NUL, and PostgreSQL refuses to even compare with one.
        if not isinstance(client_id, str) or "\x00" in client_id:
            return None
        row = sessions().get(OAuthClient, client_id)
        return None if row is None or row.revoked_at is not None else Client(row)

    server = AuthorizationServer(app, query_client=query_client, save_token=lambda t, r: None)
    server.register_grant(ClientCredentials)
    server.register_token_generator("default", TokenIssuer(settings, keys, sessions))
    server.register_client_auth_method(KEY_METHOD, PrivateKeyJwt(settings, sessions))
    server.register_endpoint(Revocation(verifier, sessions))
    server.register_endpoint(Introspection(verifier, sessions))
    return server
