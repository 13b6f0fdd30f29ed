"""The authorization server's HTTP endpoints: /oauth/token, /oauth/introspect, /oauth/revoke,
and its metadata (RFC 8414) and keys (JWKS) under /.well-known/."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from flask import Blueprint, Response, current_app, jsonify

from hub.api.context import db_session, hub_state
from hub.auth.clients import SCOPES
from hub.auth.keys import ALG, SigningKeyService
from hub.auth.server import ASSERTION_ALGS, AUTH_METHODS

bp = Blueprint("oauth", __name__)
SERVER = "oauth_server"


def _server() -> AuthorizationServer:
    server: AuthorizationServer = current_app.extensions[SERVER]
    return server


@bp.post("/oauth/token")
def token() -> Any:
    """Client credentials → a signed JWT access token (RFC 6749 §4.4, RFC 9068)."""
    return _server().create_token_response()


@bp.post("/oauth/introspect")
def introspect() -> Any:
    """Whether a token is active, and what it grants (RFC 7662)."""
    return _server().create_endpoint_response("introspection")


@bp.post("/oauth/revoke")
def revoke() -> Any:
    """Revoke a token at once (RFC 7009)."""
    return _server().create_endpoint_response("revocation")


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys access tokens are signed with: the current one and retired ones whose
    tokens may still be valid."""
    state = hub_state()
    keys = SigningKeyService(db_session(), state.settings).published()
    response = jsonify(keys.as_dict(private=False))
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/.well-known/oauth-authorization-server")
def metadata() -> Response:
    """Authorization server metadata (RFC 8414)."""
    issuer = hub_state().settings.issuer.rstrip("/")
    return jsonify(
        {
            "issuer": hub_state().settings.issuer,
            "token_endpoint": f"{issuer}/oauth/token",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "introspection_endpoint": f"{issuer}/oauth/introspect",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "scopes_supported": list(SCOPES),
            "response_types_supported": [],
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
            "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
            "access_token_signing_alg_values_supported": [ALG],
            "service_documentation": f"{issuer}/docs",
        }
    )
