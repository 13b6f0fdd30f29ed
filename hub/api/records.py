"""/api/v1/courses, /certificates, /payments: the normalized records, read by scope.

Courses are the shared catalog: every holder of `catalog:read` reads every provider's.
Certificates and payments reach only the caller's own partner's (an admin's: everyone's). The
raw source record is returned only to admins and the record's own partner.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from marshmallow import INCLUDE, Schema, fields, validate

from hub.api.common import ApiBlueprint, conditional_json, own_partner, page_fields
from hub.api.context import db_connection
from hub.api.queryargs import QueryArgsParser
from hub.api.security import current_principal, feed_position, require_scope
from hub.auth.tokens import Principal
from hub.catalog.services import EVERY_PARTNER, PageCache, RecordReader

#: entity → (path, read scope, whether every partner's records are readable)
RESOURCES = {
    "course": ("courses", "catalog:read", True),
    "certificate": ("certificates", "certificates:read", False),
    "payment": ("payments", "payments:read", False),
}
STATUSES = {
    "course": ("active", "inactive"),
    "certificate": ("issued", "revoked"),
    "payment": ("pending", "succeeded", "failed", "reversed"),
}


class RecordOut(Schema):
    """A record in the common schema v1: the hub's fields, then the entity's own (see the
    common schema's JSON Schema export); `raw` only for admins and the record's partner."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(required=True)
    partner_id = fields.String(required=True)
    external_id = fields.String(required=True)
    revision = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    deleted_at = fields.DateTime(required=True, allow_none=True)
    status = fields.String(required=True)
    raw = fields.Dict()


class RecordPage(Schema):
    """A page of records; `next_cursor` is null on the last page."""

    data = fields.List(fields.Nested(RecordOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


def _filters(entity: str) -> Schema:
    # An instance, not the class: webargs would build a schema from a class on every request.
    return Schema.from_dict(
        {
            **page_fields(),
            "partner_id": fields.String(load_default=None, validate=validate.Length(max=36)),
            "updated_since": fields.AwareDateTime(load_default=None),
            "status": fields.String(load_default=None, validate=validate.OneOf(STATUSES[entity])),
        },
        name=f"{entity.capitalize()}Filters",
    )()


PAGES = "hub.pages"


def pages() -> PageCache:
    """The app's cache of record pages (see `PageCache`)."""
    cache: PageCache = current_app.extensions.setdefault(PAGES, PageCache())
    return cache


def _reader(entity: str, principal: Principal) -> RecordReader:
    shared = RESOURCES[entity][2]
    limit_to = None if shared else own_partner(principal)
    raw_of = EVERY_PARTNER if principal.is_admin else principal.partner_id
    return RecordReader(db_connection(), entity, partner_id=limit_to, raw_of=raw_of)


def _blueprint(entity: str) -> ApiBlueprint:
    path, scope, shared = RESOURCES[entity]
    reach = "every partner's" if shared else "the caller's own partner's (an admin's: all)"
    bp = ApiBlueprint(
        path, __name__ + "." + path, url_prefix=f"/api/v1/{path}",
        description=f"{path.capitalize()}: {reach}.",
    )  # fmt: skip
    # Platforms ask for the same few pages over and over: parse each query string once.
    bp.ARGUMENTS_PARSER = QueryArgsParser()

    class Collection(MethodView):
        @require_scope(scope)
        @bp.arguments(_filters(entity), location="query")
        @bp.response(200, RecordPage)
        @bp.alt_response(304, description="Not modified since the ETag given in If-None-Match.")
        def get(self, args: dict[str, Any]) -> Response:
            """Records in a stable order, a page at a time; filter by partner, status, or
            change time (`updated_since`, records deleted at the source included)."""
            reader = _reader(entity, current_principal())
            body = pages().page(reader, position=feed_position(), **args)
            return conditional_json(body.data, body.tag)

    class Item(MethodView):
        @require_scope(scope)
        @bp.response(200, RecordOut)
        @bp.alt_response(304, description="Not modified since the ETag given in If-None-Match.")
        @bp.alt_response(404, description="No such record (or not the caller's).")
        def get(self, record_id: str) -> Response:
            """One record by its hub id."""
            record = _reader(entity, current_principal()).get(record_id)
            return conditional_json(record.encode())

    Collection.__name__ = f"{path.capitalize()}"
    Item.__name__ = f"{entity.capitalize()}"
    bp.route("")(Collection)
    bp.route("/<record_id>")(Item)
    return bp


blueprints = [_blueprint(entity) for entity in RESOURCES]
