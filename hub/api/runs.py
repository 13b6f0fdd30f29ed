"""/api/v1/runs: every sync and push, its counts and outcome, and what it quarantined. A
partner reads only the runs of its own connectors (an admin: all)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from hub.api.common import ApiBlueprint, json_response, own_partner, page_fields
from hub.api.context import db_session
from hub.api.security import current_principal, require_scope
from hub.monitoring.runs import MAX_PAGE, RunFilter, RunMonitor
from hub.store.models import RUN_STATUSES
from hub.store.paging import MAX_ID
from hub.sync.runs import RunService, rejection_as_dict, run_as_dict

SCOPE = "jobs:read"

bp = ApiBlueprint(
    "runs", __name__, url_prefix="/api/v1/runs",
    description="Runs of connectors and pushes, and the records they quarantined.",
)  # fmt: skip


class CountsOut(Schema):
    """What a run did to the records it read."""

    read = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    deleted = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


class RunOut(Schema):
    """One run of one stream: how it was triggered, its status, counts and error."""

    id = fields.Integer(required=True)
    connector_id = fields.Integer(required=True)
    stream = fields.String(required=True)
    trigger = fields.String(required=True)
    mode = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(RUN_STATUSES))
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(required=True, allow_none=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    counts = fields.Nested(CountsOut, required=True)
    error = fields.Dict(required=True, allow_none=True)
    state = fields.Dict(required=True, allow_none=True)


class RunPage(Schema):
    """A page of runs, newest first; `next_cursor` is null on the last page."""

    data = fields.List(fields.Nested(RunOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class RejectionOut(Schema):
    """A quarantined record: what the source sent (NIKs masked) and why it was refused."""

    id = fields.Integer(required=True)
    run_id = fields.Integer(required=True, allow_none=True)
    entity = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)
    errors = fields.Dict(required=True)
    raw = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(required=True, allow_none=True)


class RejectionPage(Schema):
    """A page of a run's quarantined records and how many it quarantined in all."""

    total = fields.Integer(required=True)
    data = fields.List(fields.Nested(RejectionOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


RunFilters = Schema.from_dict(
    {
        **page_fields(max_limit=MAX_PAGE),
        "connector_id": fields.Integer(
            load_default=None, validate=validate.Range(min=1, max=MAX_ID)
        ),
        "status": fields.String(load_default=None, validate=validate.OneOf(RUN_STATUSES)),
    },
    name="RunFilters",
)
RejectionArgs = Schema.from_dict(page_fields(), name="RejectionArgs")


def _service() -> RunService:
    return RunService(db_session(), partner_id=own_partner(current_principal()))


@bp.route("")
class Runs(MethodView):
    """Runs, newest first."""

    @require_scope(SCOPE)
    @bp.arguments(RunFilters, location="query")
    @bp.response(200, RunPage)
    def get(self, args: dict[str, Any]) -> Response:
        """The caller's runs (an admin's: all), newest first, optionally of one connector or
        status."""
        where = RunFilter(
            partner_id=own_partner(current_principal()),
            connector_id=args["connector_id"],
            status=args["status"],
        )
        page = RunMonitor(db_session()).list(where, limit=args["limit"], cursor=args["cursor"])
        return json_response(
            {"data": [run_as_dict(r) for r in page.runs], "next_cursor": page.next_cursor}
        )


@bp.route(f"/<int(max={MAX_ID}):run_id>")
class Run(MethodView):
    """One run."""

    @require_scope(SCOPE)
    @bp.response(200, RunOut)
    @bp.alt_response(404, description="No such run (or not the caller's).")
    def get(self, run_id: int) -> Response:
        """The run: status, counts, error."""
        return json_response(run_as_dict(_service().get(run_id)))


@bp.route(f"/<int(max={MAX_ID}):run_id>/rejections")
class Rejections(MethodView):
    """What a run quarantined."""

    @require_scope(SCOPE)
    @bp.arguments(RejectionArgs, location="query")
    @bp.response(200, RejectionPage)
    @bp.alt_response(404, description="No such run (or not the caller's).")
    def get(self, args: dict[str, Any], run_id: int) -> Response:
        """The run's quarantined records in order, with per-field errors."""
        total, page = _service().rejections(run_id, args["limit"], args["cursor"])
        return json_response(
            {
                "total": total,
                "data": [rejection_as_dict(r) for r in page.items],
                "next_cursor": page.next_cursor,
            }
        )
