"""What the resource views share: their blueprint, page arguments, JSON answers with ETags, and
access rules that need more than one scope."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import orjson
from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from hub.api.problems import MEDIA_TYPE, Problem
from hub.api.queryargs import ArgumentsParser
from hub.api.security import REALM, SECURITY_SCHEME, authenticate
from hub.auth.tokens import Principal
from hub.catalog.services import body_tag
from hub.store.paging import MAX_LIMIT

F = TypeVar("F", bound=Callable[..., Any])


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint, parsing arguments with `ArgumentsParser`."""

    ARGUMENTS_PARSER = ArgumentsParser()


def page_fields(max_limit: int = MAX_LIMIT) -> dict[str, fields.Field[Any]]:
    """Cursor pagination's query fields: `?limit=&cursor=` (the cursor is the `next_cursor` of
    the page before). New fields each call: a field belongs to one schema."""
    return {
        "limit": fields.Integer(load_default=100, validate=validate.Range(min=1, max=max_limit)),
        "cursor": fields.String(load_default=None, validate=validate.Length(min=1, max=200)),
    }


PageArgs = Schema.from_dict(page_fields(), name="PageArgs")


def json_response(payload: Any, status: int = 200) -> Response:
    """`payload` as JSON, serialized once by orjson (views answer pre-serialized: marshmallow
    output schemas document the answer, dumping through them would only cost time)."""
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def conditional_json(body: bytes, tag: str | None = None) -> Response:
    """A JSON body with a strong `ETag` of its bytes (`tag` when the caller has it already,
    from `body_tag`); `304 Not Modified` (no body) when the request's `If-None-Match` names
    that tag."""
    tag = body_tag(body) if tag is None else tag
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(tag)
    return response


def problem_doc(description: str) -> dict[str, Any]:
    """An error response of an operation, documented as problem details."""
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def reaches_every_partner(principal: Principal) -> bool:
    """Whether the caller sees every partner's data (admin), rather than its own partner's."""
    return principal.is_admin


def own_partner(principal: Principal) -> str | None:
    """The partner whose data the caller is limited to; None for an admin."""
    return None if reaches_every_partner(principal) else principal.partner_id or ""


def require_any_scope(*scopes: str) -> Callable[[F], F]:
    """Protect a view that any one of `scopes` (or `admin`) opens; the view sees the caller
    through `hub.api.security.current_principal()` and decides by the scopes it holds."""

    def decorator(view: F) -> F:
        @wraps(view)
        def protected(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate()
            if not any(principal.allows(scope) for scope in scopes):
                wanted = " ".join(scopes)
                raise Problem(
                    403,
                    f"the access token lacks every one of the scopes {wanted!r}",
                    headers={
                        "WWW-Authenticate": f'Bearer realm="{REALM}", '
                        f'error="insufficient_scope", scope="{wanted}"'
                    },
                )
            return view(*args, **kwargs)

        documented = Blueprint.doc(
            security=[{SECURITY_SCHEME: [scope]} for scope in scopes],
            responses={
                "401": problem_doc("No valid access token."),
                "403": problem_doc(f"The token holds none of {', '.join(scopes)}."),
                "429": problem_doc("Over the client's rate limit; see Retry-After."),
            },
        )
        return documented(protected)

    return decorator
