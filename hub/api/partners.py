"""/api/v1/partners: onboarding partners and their OAuth clients (admin)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from hub.api.common import ApiBlueprint
from hub.api.context import db_session
from hub.api.problems import Problem
from hub.api.security import require_scope
from hub.auth.clients import ClientService
from hub.auth.schemas import ClientCreate, IssuedClientOut, issued_client_as_dict
from hub.partners.schemas import PartnerOut
from hub.partners.services import PartnerService
from hub.store.models import Partner
from schemas import PARTNER_SCHEMA

bp = ApiBlueprint(
    "partners", __name__, url_prefix="/api/v1/partners", description="Partners (admin)."
)


class PageArgs(Schema):
    """Cursor pagination: `?limit=&cursor=`."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    cursor = fields.String(load_default=None)


class PartnerPage(Schema):
    """A page of partners; `next_cursor` is null on the last page."""

    data = fields.List(fields.Nested(PartnerOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


def _encode_cursor(code: str) -> str:
    return base64.urlsafe_b64encode(code.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        message = "not a cursor this API gave"
        raise Problem(422, f"cursor: {message}", errors={"cursor": [message]}) from None


@bp.route("")
class Partners(MethodView):
    """Onboard and list partners."""

    @require_scope("admin")
    @bp.arguments(PARTNER_SCHEMA)
    @bp.response(201, PartnerOut)
    def post(self, data: dict[str, Any]) -> Partner:
        """Onboard a partner; its id derives from its code."""
        return PartnerService(db_session()).create(data)

    @require_scope("admin")
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, PartnerPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Partners by code, a page at a time."""
        query = select(Partner).order_by(Partner.code).limit(args["limit"] + 1)
        if args["cursor"]:
            query = query.where(Partner.code > _decode_cursor(args["cursor"]))
        rows = list(db_session().scalars(query))
        more = len(rows) > args["limit"]
        rows = rows[: args["limit"]]
        return {"data": rows, "next_cursor": _encode_cursor(rows[-1].code) if more else None}


@bp.route("/<partner_id>/clients")
class PartnerClients(MethodView):
    """OAuth clients of a partner."""

    @require_scope("admin")
    @bp.arguments(ClientCreate)
    @bp.response(201, IssuedClientOut)
    def post(self, data: dict[str, Any], partner_id: str) -> dict[str, Any]:
        """Create a client; its secret is shown only in this answer."""
        issued = ClientService(db_session()).create(data["scopes"], partner_id, data["jwks"])
        return issued_client_as_dict(issued)
