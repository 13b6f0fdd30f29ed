"""Resource protection: a bearer access token with the operation's scope (RFC 6750)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import Blueprint

from hub.api.context import db_connection, hub_state
from hub.api.problems import MEDIA_TYPE, Problem
from hub.auth.tokens import InvalidToken, Principal, revocation_check
from hub.changes.services import LATEST_POSITION

F = TypeVar("F", bound=Callable[..., Any])
REALM = "hub"
#: The name of the OAuth 2.0 security scheme in the OpenAPI document.
SECURITY_SCHEME = "clientCredentials"
#: The token's revocation read, with the change feed's position in the same round trip: the
#: catalog pages served from memory are checked against it (`feed_position`).
_CHECK = revocation_check(LATEST_POSITION)


def _challenge(**params: str) -> str:
    rendered = "".join(f', {k}="{v}"' for k, v in params.items())
    return f'Bearer realm="{REALM}"{rendered}'


def authenticate() -> Principal:
    """The caller of this request, from its bearer token; 401 (with `WWW-Authenticate`) when
    the token is missing or invalid, 429 (with `Retry-After`) when the client is over its rate
    limit."""
    if (principal := g.get("principal")) is not None:
        return principal
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401,
            "an access token is required: Authorization: Bearer <token> (from /oauth/token)",
            headers={"WWW-Authenticate": _challenge()},
        )
    state = hub_state()
    try:
        principal, (position,) = state.verifier.verify(db_connection(), token.strip(), _CHECK)
    except InvalidToken as error:
        raise Problem(
            401,
            str(error),
            headers={
                "WWW-Authenticate": _challenge(error="invalid_token", error_description=str(error))
            },
        ) from None
    if (retry_after := state.limiter.hit(principal.client_id)) is not None:
        raise Problem(
            429,
            f"client {principal.client_id} is over its limit of {state.settings.rate_limit}",
            headers={"Retry-After": str(retry_after)},
        )
    g.principal = principal
    g.feed_position = int(position or 0)
    return principal


def authorize(scope: str) -> Principal:
    """The caller, when its token grants `scope` (or `admin`); 403 with an `insufficient_scope`
    challenge otherwise."""
    principal = authenticate()
    if not principal.allows(scope):
        raise Problem(
            403,
            f"the access token lacks the scope {scope!r}",
            headers={"WWW-Authenticate": _challenge(error="insufficient_scope", scope=scope)},
        )
    return principal


def current_principal() -> Principal:
    """The caller of a view protected by `require_scope`."""
    principal: Principal = g.principal
    return principal


def feed_position() -> int:
    """The change feed's position (0 before any change), read with the caller's token in a
    view protected by `require_scope`: before anything the view reads."""
    position: int = g.feed_position
    return position


def _problem_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def require_scope(scope: str) -> Callable[[F], F]:
    """Protect a view: it runs only for a valid token granting `scope` (or `admin`), before its
    input is parsed; the OpenAPI operation lists the scope under `security`. Inside the view,
    `current_principal()` says who is calling."""

    def decorator(view: F) -> F:
        @wraps(view)
        def protected(*args: Any, **kwargs: Any) -> Any:
            authorize(scope)
            return view(*args, **kwargs)

        documented = Blueprint.doc(
            security=[{SECURITY_SCHEME: [scope]}],
            responses={
                "401": _problem_doc("No valid access token."),
                "403": _problem_doc(f"The token lacks the scope {scope}."),
                "429": _problem_doc("Over the client's rate limit; see Retry-After."),
            },
        )
        return documented(protected)

    return decorator
