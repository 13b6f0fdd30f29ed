"""The API framework: flask-smorest (marshmallow schemas → OpenAPI 3.1 at /openapi.json),
problem-details errors, and the interactive docs at /docs, served offline."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_swagger_ui import get_swaggerui_blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from hub.api.problems import MEDIA_TYPE, handle_http_exception
from hub.api.security import SECURITY_SCHEME
from hub.auth.clients import SCOPES

#: Flask config of the OpenAPI document; flask-smorest's own UI pages stay off (they load their
#: assets from a CDN), /docs is served from flask-swagger-ui's bundled files instead.
OPENAPI_CONFIG = {
    "API_TITLE": "Partner hub",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class ProblemSchema(Schema):
    """RFC 9457 problem details, the body of every error of the API."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Per-field messages (422): {field: [messages]}."},
    )


class HubApi(Api):
    """flask-smorest's Api whose errors are RFC 9457 problem details."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        """flask-smorest's error responses (422 and the rest), documented as the problem
        details they are, not as application/json."""
        # flask-smorest reads the content type from this attribute while it registers them.
        default = self.DEFAULT_RESPONSE_CONTENT_TYPE  # type: ignore[has-type]
        self.DEFAULT_RESPONSE_CONTENT_TYPE = MEDIA_TYPE
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default

    def handle_http_exception(self, error: HTTPException) -> Any:
        """Problem details instead of flask-smorest's own error shape."""
        return handle_http_exception(error)


def create_api(app: Flask) -> HubApi:
    """The Api of `app`, with the OAuth 2.0 client-credentials security scheme and /docs."""
    for key, value in OPENAPI_CONFIG.items():
        app.config.setdefault(key, value)
    api = HubApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Integration hub of a national training-voucher programme. "
                "Get a token at /oauth/token (client credentials), then call with "
                "`Authorization: Bearer <token>`."
            }
        },
    )
    token_url = app.extensions["hub"].settings.issuer.rstrip("/") + "/oauth/token"
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": dict(SCOPES)}},
        },
    )
    app.register_blueprint(
        get_swaggerui_blueprint("/docs", "/openapi.json", config={"app_name": "Partner hub API"})
    )
    return api
