"""/api/v1/changes: the ordered change feed (DESIGN.md §5)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from hub.api.common import ApiBlueprint, json_response, own_partner, require_any_scope
from hub.api.context import db_session
from hub.api.security import current_principal
from hub.changes.services import ChangeFeed
from hub.store.paging import MAX_LIMIT

#: The scope that reads each entity's changes.
FEED_SCOPES = {
    "course": "catalog:read",
    "certificate": "certificates:read",
    "payment": "payments:read",
}

bp = ApiBlueprint(
    "changes", __name__, url_prefix="/api/v1/changes",
    description="The change feed: every change once, in commit order.",
)  # fmt: skip


class FeedArgs(Schema):
    """Where to resume (`after`: the last `next_cursor`; absent or 0: the start) and how many."""

    after = fields.String(load_default=None, validate=validate.Length(max=20))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_LIMIT))


class ChangeOut(Schema):
    """One change: the record (`entity`, `id`) reached `revision` by an `upsert` or `delete`."""

    seq = fields.Integer(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(list(FEED_SCOPES)))
    id = fields.String(required=True)
    op = fields.String(required=True, validate=validate.OneOf(["upsert", "delete"]))
    revision = fields.Integer(required=True)


class FeedPageOut(Schema):
    """Changes after the cursor; `next_cursor` is always where to resume."""

    data = fields.List(fields.Nested(ChangeOut), required=True)
    next_cursor = fields.String(required=True)
    has_more = fields.Boolean(required=True)


@bp.route("")
class Changes(MethodView):
    """The change feed."""

    @require_any_scope(*FEED_SCOPES.values())
    @bp.arguments(FeedArgs, location="query")
    @bp.response(200, FeedPageOut)
    def get(self, args: dict[str, Any]) -> Response:
        """Changes after `after`, oldest first, of the entities the token's scopes read: every
        provider's courses, and the caller's own partner's certificates and payments (an
        admin's: all)."""
        principal = current_principal()
        entities = [e for e, scope in FEED_SCOPES.items() if principal.allows(scope)]
        feed = ChangeFeed(db_session(), entities=entities, partner_id=own_partner(principal))
        page = feed.read(args["after"], args["limit"])
        return json_response(
            {"data": page.data, "next_cursor": page.next_cursor, "has_more": page.has_more}
        )
