"""RFC 9457 problem details: every error outside /oauth/* answers `application/problem+json`
with `type`, `title`, `status`, `detail`, and per-field `errors` for 422."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from flask import Flask, Response, request
from marshmallow.exceptions import SCHEMA
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from hub.errors import Conflict, HubError, InvalidInput, NotFound
from schemas import flatten_errors

MEDIA_TYPE = "application/problem+json"
OAUTH_PREFIX = "/oauth/"


class Problem(HTTPException):
    """An error answered as problem details, with optional per-field errors and headers (such
    as `WWW-Authenticate` or `Retry-After`)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        type_: str = "about:blank",
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.errors = dict(errors or {})
        self.extra_headers = dict(headers or {})
        self.type = type_


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    type_: str = "about:blank",
) -> Response:
    """A problem-details response."""
    body: dict[str, Any] = {
        "type": type_,
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = dict(errors)
    response = Response(orjson.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


def _oauth_error(error: HTTPException) -> Response:
    """Errors of the OAuth endpoints that authlib does not answer itself, in RFC 6749 shape."""
    status = error.code or 500
    code = "server_error" if status >= 500 else "invalid_request"
    body = {"error": code, "error_description": error.description or ""}
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def _field_errors(error: HTTPException) -> dict[str, list[str]]:
    """webargs' messages ({location: {field: [...]}}) as {field: [...]}, the location dropped."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors") or {}
    flat: dict[str, list[str]] = {}
    for location_messages in messages.values():
        for field, field_messages in flatten_errors(location_messages).items():
            flat.setdefault(field, []).extend(field_messages)
    return flat


def handle_http_exception(error: HTTPException) -> Response:
    """Any HTTP error (werkzeug's, flask-smorest's 422, or a Problem) as problem details; on
    /oauth/* as an RFC 6749 error body."""
    if request.path.startswith(OAUTH_PREFIX):
        return _oauth_error(error)
    status = error.code or 500
    if isinstance(error, Problem):
        return problem_response(
            status,
            error.description or "",
            errors=error.errors,
            headers=error.extra_headers,
            type_=error.type,
        )
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if errors := _field_errors(error):
        # webargs' errors: 422 for invalid input, 400 for a body that is not JSON at all.
        detail = "; ".join(
            " ".join(m) if f == SCHEMA else f"{f}: {' '.join(m)}" for f, m in errors.items()
        )
        return problem_response(status, detail, errors=errors, headers=headers)
    if isinstance(error, InternalServerError):
        # Never the exception's text: it may hold data the caller must not see.
        return problem_response(500, "the hub failed to answer; the error is logged")
    return problem_response(status, error.description or "", headers=headers)


def handle_hub_error(error: HubError) -> Response:
    """The services' errors: InvalidInput → 422, NotFound → 404, Conflict → 409."""
    if isinstance(error, InvalidInput):
        return problem_response(422, str(error), errors=error.errors)
    if isinstance(error, NotFound):
        return problem_response(404, str(error))
    if isinstance(error, Conflict):
        return problem_response(409, str(error))
    return problem_response(400, str(error))


def register(app: Flask) -> None:
    """Install the handlers on `app`."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(HubError, handle_hub_error)
