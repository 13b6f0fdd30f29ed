"""/api/v1/connector-types and /api/v1/connectors: registering, checking, pausing and
triggering connectors (DESIGN.md §5). A partner reaches only its own connectors; secrets in a
config are write-only."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

import connectors
from hub.api.common import ApiBlueprint, json_response, own_partner, page_fields
from hub.api.context import db_session, hub_state
from hub.api.problems import Problem
from hub.api.runs import RunOut
from hub.api.security import current_principal, require_scope
from hub.auth.tokens import Principal
from hub.connections.secrets import ConfigSealer
from hub.connections.services import SOURCE_TIMEZONES, ConnectorService, connector_as_dict
from hub.dispatch import APP_EXTENSION, Dispatcher
from hub.errors import NotFound
from hub.scheduling.schedules import ScheduleService, parse_interval
from hub.store.models import ConnectorInstance, ConnectorSchedule
from hub.store.paging import MAX_ID
from hub.sync.runs import run_as_dict

SCOPE = "connectors:write"

types_bp = ApiBlueprint(
    "connector-types", __name__ + ".types", url_prefix="/api/v1/connector-types",
    description="Installed connector types and their config JSON Schema.",
)  # fmt: skip
bp = ApiBlueprint(
    "connectors", __name__, url_prefix="/api/v1/connectors",
    description="A partner's connectors: register, check, pause, resume, run.",
)  # fmt: skip


class ConnectorTypeOut(Schema):
    """An installed connector type: its name and its config's JSON Schema (secrets are
    `writeOnly`)."""

    name = fields.String(required=True)
    config_schema = fields.Dict(required=True)


class ConnectorTypeList(Schema):
    """Every installed connector type."""

    data = fields.List(fields.Nested(ConnectorTypeOut), required=True)


class ConnectorIn(Schema):
    """A connector to register: an installed type (a declarative definition is the config of
    the declarative type) and its config, validated before it is stored. An admin names the
    partner; a partner's token registers for its own partner."""

    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    config = fields.Dict(required=True)
    name = fields.String(
        load_default=None,
        validate=[validate.Length(min=1, max=100), validate.Regexp(r"^[A-Za-z0-9_.-]+$")],
    )
    timezone = fields.String(load_default="Asia/Jakarta", validate=validate.OneOf(SOURCE_TIMEZONES))
    partner_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class ConnectorOut(Schema):
    """A registered connector; its config with every secret masked."""

    id = fields.Integer(required=True)
    partner_id = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "paused"]))
    timezone = fields.String(required=True)
    config = fields.Dict(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class ConnectorPage(Schema):
    """A page of connectors; `next_cursor` is null on the last page."""

    data = fields.List(fields.Nested(ConnectorOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class CheckOut(Schema):
    """Whether the source answered with the credentials; if not, the classified error."""

    ok = fields.Boolean(required=True)
    error = fields.Dict(required=True, allow_none=True)


class RunIn(Schema):
    """Which stream to run, and whether to read everything again."""

    stream = fields.String(required=True, validate=validate.Length(min=1, max=100))
    full_refresh = fields.Boolean(load_default=False)


class ScheduleIn(Schema):
    """When the connector syncs on its own: an `interval` (`90s`, `30m`, `6h`, `1d`, `1h30m`)
    or a five-field `cron` expression in the connector's time zone, and a `jitter_seconds`
    offset so partners do not all start on the same second."""

    interval = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    cron = fields.String(load_default=None, validate=validate.Length(min=1, max=120))
    jitter_seconds = fields.Integer(load_default=0, validate=validate.Range(min=0, max=3600))


class ScheduleOut(Schema):
    """A connector's schedule."""

    connector_id = fields.Integer(required=True)
    interval_seconds = fields.Integer(required=True, allow_none=True)
    cron = fields.String(required=True, allow_none=True)
    jitter_seconds = fields.Integer(required=True)
    updated_at = fields.DateTime(required=True)


ConnectorListArgs = Schema.from_dict(page_fields(), name="ConnectorListArgs")


def _schedule_as_dict(schedule: ConnectorSchedule) -> dict[str, Any]:
    return {
        "connector_id": schedule.connector_id,
        "interval_seconds": schedule.interval_seconds,
        "cron": schedule.cron,
        "jitter_seconds": schedule.jitter_seconds,
        "updated_at": schedule.updated_at.isoformat(),
    }


def dispatcher(app: Flask) -> Dispatcher:
    """The app's dispatcher (one per app, made by `create_app`; the dashboard shares it)."""
    found: Dispatcher = app.extensions[APP_EXTENSION]
    return found


def _service() -> ConnectorService:
    return ConnectorService(db_session())


def _sealer() -> ConfigSealer:
    return ConfigSealer(hub_state().settings)


def _reachable(session: Session, principal: Principal, connector_id: int) -> ConnectorInstance:
    instance = ConnectorService(session).get(connector_id)
    limit_to = own_partner(principal)
    if limit_to is not None and instance.partner_id != limit_to:
        raise NotFound(f"connector: no connector with id {connector_id}")
    return instance


@types_bp.route("")
class ConnectorTypes(MethodView):
    """Installed connector types."""

    @require_scope(SCOPE)
    @types_bp.response(200, ConnectorTypeList)
    def get(self) -> Response:
        """Every installed connector type with its config JSON Schema."""
        found = connectors.connector_types()
        return json_response(
            {
                "data": [
                    {"name": name, "config_schema": connectors.config_json_schema(kind)}
                    for name, kind in sorted(found.items())
                ]
            }
        )


@bp.route("")
class Connectors(MethodView):
    """Register and list connectors."""

    @require_scope(SCOPE)
    @bp.arguments(ConnectorIn)
    @bp.response(201, ConnectorOut)
    def post(self, data: dict[str, Any]) -> Response:
        """Register a connector; its config is validated first, its secrets stored encrypted
        and never shown again."""
        principal = current_principal()
        partner = data["partner_id"] if principal.is_admin else principal.partner_id
        if partner is None:
            message = "An admin names the partner the connector is for."
            raise Problem(422, f"partner_id: {message}", errors={"partner_id": [message]})
        if not principal.is_admin and data["partner_id"] not in (None, partner):
            raise Problem(403, "a partner registers connectors only for itself")
        instance = _service().add(
            partner,
            data["type"],
            data["config"],
            sealer=_sealer(),
            name=data["name"],
            timezone=data["timezone"],
        )
        return json_response(connector_as_dict(instance), 201)

    @require_scope(SCOPE)
    @bp.arguments(ConnectorListArgs, location="query")
    @bp.response(200, ConnectorPage)
    def get(self, args: dict[str, Any]) -> Response:
        """The caller's connectors (an admin's: all), by id, a page at a time."""
        limit_to = own_partner(current_principal())
        page = _service().page(limit=args["limit"], cursor=args["cursor"], partner_id=limit_to)
        return json_response(
            {"data": [connector_as_dict(c) for c in page.items], "next_cursor": page.next_cursor}
        )


@bp.route(f"/<int(max={MAX_ID}):connector_id>")
class Connector(MethodView):
    """One connector."""

    @require_scope(SCOPE)
    @bp.response(200, ConnectorOut)
    @bp.alt_response(404, description="No such connector (or not the caller's).")
    def get(self, connector_id: int) -> Response:
        """The connector, its secrets masked."""
        instance = _reachable(db_session(), current_principal(), connector_id)
        return json_response(connector_as_dict(instance))


@bp.route(f"/<int(max={MAX_ID}):connector_id>/check")
class Check(MethodView):
    """Checking a connector's source."""

    @require_scope(SCOPE)
    @bp.response(200, CheckOut)
    @bp.alt_response(404, description="No such connector (or not the caller's).")
    def post(self, connector_id: int) -> Response:
        """Reach the source with the stored credentials; say whether that worked."""
        session = db_session()
        _reachable(session, current_principal(), connector_id)
        try:
            _service().check(connector_id, sealer=_sealer())
        except connectors.ConnectorError as error:
            return json_response(
                {"ok": False, "error": {"code": error.code, "message": str(error)}}
            )
        return json_response({"ok": True, "error": None})


def _status_view(status: str) -> type[MethodView]:
    class SetStatus(MethodView):
        @require_scope(SCOPE)
        @bp.response(200, ConnectorOut)
        @bp.alt_response(404, description="No such connector (or not the caller's).")
        def post(self, connector_id: int) -> Response:
            """Pause the connector (no scheduled or triggered runs) or resume it."""
            session = db_session()
            instance = _reachable(session, current_principal(), connector_id)
            schedules = ScheduleService(session)
            if status == "paused":
                schedules.pause(connector_id, f"paused by client {current_principal().client_id}")
            else:
                schedules.resume(connector_id, f"resumed by client {current_principal().client_id}")
            session.refresh(instance)
            return json_response(connector_as_dict(instance))

    SetStatus.__name__ = "Pause" if status == "paused" else "Resume"
    return SetStatus


bp.route(f"/<int(max={MAX_ID}):connector_id>/pause")(_status_view("paused"))
bp.route(f"/<int(max={MAX_ID}):connector_id>/resume")(_status_view("active"))


@bp.route(f"/<int(max={MAX_ID}):connector_id>/schedule")
class Schedule(MethodView):
    """A connector's schedule."""

    @require_scope(SCOPE)
    @bp.response(200, ScheduleOut)
    @bp.alt_response(404, description="No such connector (or not the caller's), or no schedule.")
    def get(self, connector_id: int) -> Response:
        """The connector's schedule; 404 when it syncs only on demand."""
        session = db_session()
        _reachable(session, current_principal(), connector_id)
        schedule = ScheduleService(session).get(connector_id)
        if schedule is None:
            raise NotFound(f"schedule: connector {connector_id} has no schedule")
        return json_response(_schedule_as_dict(schedule))

    @require_scope(SCOPE)
    @bp.arguments(ScheduleIn)
    @bp.response(200, ScheduleOut)
    @bp.alt_response(404, description="No such connector (or not the caller's).")
    def put(self, data: dict[str, Any], connector_id: int) -> Response:
        """Give the connector its schedule (replacing any); the scheduler picks it up within
        seconds."""
        session = db_session()
        _reachable(session, current_principal(), connector_id)
        interval = data["interval"]
        schedule = ScheduleService(session).set(
            connector_id,
            interval_seconds=parse_interval(interval) if interval is not None else None,
            cron=data["cron"],
            jitter_seconds=data["jitter_seconds"],
        )
        return json_response(_schedule_as_dict(schedule))


@bp.route(f"/<int(max={MAX_ID}):connector_id>/runs")
class Runs(MethodView):
    """Triggering runs."""

    @require_scope(SCOPE)
    @bp.arguments(RunIn)
    @bp.response(202, RunOut)
    @bp.alt_response(404, description="No such connector (or not the caller's).")
    @bp.alt_response(409, description="The stream is running already, or the connector paused.")
    def post(self, data: dict[str, Any], connector_id: int) -> Response:
        """Queue a run of one stream; it executes in the background. Poll `runs/{id}`."""
        with hub_state().sessions() as session:
            _reachable(session, current_principal(), connector_id)
        run = dispatcher(current_app).submit(
            connector_id, data["stream"], trigger="api", full_refresh=data["full_refresh"]
        )
        response = json_response(run_as_dict(run), 202)
        response.headers["Location"] = f"/api/v1/runs/{run.id}"
        return response
