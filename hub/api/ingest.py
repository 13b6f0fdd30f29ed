"""/api/v1/ingest/{courses|certificates|payments}: push ingestion (DESIGN.md §5)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from hub.api.common import ApiBlueprint, json_response
from hub.api.context import db_session, hub_state
from hub.api.problems import Problem
from hub.api.security import current_principal, require_scope
from hub.ingest.services import KEY_HEADER, MAX_KEY_LENGTH, MAX_RECORDS, IngestService

#: stream → the scope that pushes to it
PUSH_SCOPES = {
    "courses": "catalog:write",
    "certificates": "certificates:write",
    "payments": "payments:write",
}

bp = ApiBlueprint(
    "ingest", __name__, url_prefix="/api/v1/ingest",
    description="Push ingestion of common-schema records, for the token's own partner.",
)  # fmt: skip


class PushIn(Schema):
    """A batch of records in the common schema's input form, each naming its `external_id`."""

    records = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(min=1, max=MAX_RECORDS),
        metadata={"description": f"At most {MAX_RECORDS} records, and 5 MB in all."},
    )


class KeyHeader(Schema):
    """The idempotency key: the same key with the same body answers the first answer again."""

    key = fields.String(
        data_key=KEY_HEADER, required=True, validate=validate.Length(min=1, max=MAX_KEY_LENGTH)
    )


class RejectedOut(Schema):
    """A refused record: its place in the batch, its external id if it named one, and why."""

    index = fields.Integer(required=True)
    external_id = fields.String(required=True, allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class PushOut(Schema):
    """What a push did: records accepted (created, updated or unchanged) and those refused
    (quarantined, with per-field errors)."""

    accepted = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedOut), required=True)


def _view(stream: str, scope: str) -> type[MethodView]:
    class Push(MethodView):
        @require_scope(scope)
        @bp.arguments(KeyHeader, location="headers")
        @bp.arguments(PushIn)
        @bp.response(200, PushOut)
        def post(self, headers: dict[str, Any], body: dict[str, Any]) -> Response:
            """Store the valid records, quarantine the others; answered once per key."""
            principal = current_principal()
            if principal.partner_id is None:
                raise Problem(
                    403, "records are pushed with a partner's token: the partner is the token's"
                )
            answer = IngestService(db_session(), hub_state().settings).push(
                principal.partner_id, stream, body["records"], headers["key"]
            )
            return json_response(answer)

    Push.__name__ = f"Push{stream.capitalize()}"
    return Push


for _stream, _scope in PUSH_SCOPES.items():
    bp.route(f"/{_stream}")(_view(_stream, _scope))
