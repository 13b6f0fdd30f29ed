"""The dashboard's pages: connectors at a glance, runs live, one run in full, records per partner,
and the run-now / pause / resume controls."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import abort, flash, g, redirect, request
from flask.typing import ResponseReturnValue

import connectors
from hub.admin import charts
from hub.admin.blueprint import bp, db, dispatcher, render, safe_next
from hub.admin.health import STATE_LABELS, STATES, HealthRow, health_rows, worst_first
from hub.admin.stats import records_per_partner, runs_per_hour
from hub.errors import Conflict, HubError, InvalidInput, NotFound
from hub.monitoring.runs import RunFilter, RunMonitor
from hub.scheduling.schedules import ScheduleService
from hub.store.models import RUN_STATUSES, ConnectorInstance
from hub.store.paging import MAX_ID

#: Connectors per page of the overview.
PAGE_SIZE = 50
#: Columns the overview sorts by: key → (label, sort key).
SORTS: dict[str, Any] = {
    "health": worst_first,
    "partner": lambda h: (h.partner.code, h.connector.name),
    "last_success": lambda h: (
        h.health.last_success_at is not None,
        h.health.last_success_at.isoformat() if h.health.last_success_at else "",
    ),
    "streak": lambda h: (-h.health.failure_streak, h.partner.code),
    "quality": lambda h: (h.quality is None, h.quality or 0.0),
}
RUN_SERIES = [charts.Series(s, s) for s in ("succeeded", "partial", "failed", "running", "queued")]


def _matches(health: HealthRow, needle: str) -> bool:
    haystack = " ".join(
        (health.partner.code, health.partner.name, health.connector.name, health.connector.type)
    )
    return needle in haystack.lower()


@bp.route("/")
def overview() -> str:
    """Every connector's health, worst first: tiles per state, charts, and a sortable,
    searchable, paged table."""
    session = db()
    everything = health_rows(session)
    by_state = Counter(h.state for h in everything)
    needle = request.args.get("q", "").strip().lower()
    state = request.args.get("state", "")
    sort = request.args.get("sort", "health")
    shown = [
        h
        for h in everything
        if (not needle or _matches(h, needle)) and (not state or h.state == state)
    ]
    shown.sort(key=SORTS.get(sort, SORTS["health"]))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pages = max(-(-len(shown) // PAGE_SIZE), 1)
    hourly = runs_per_hour(session)
    return render(
        "overview.html",
        section="overview",
        rows=shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        matched=len(shown),
        total=len(everything),
        page=page,
        pages=pages,
        q=request.args.get("q", ""),
        state=state,
        sort=sort,
        states=[(s, STATE_LABELS[s], by_state.get(s, 0)) for s in STATES],
        freshness_chart=charts.horizontal_bars(
            [(STATE_LABELS[s], by_state.get(s, 0), s) for s in STATES],
            title="Connectors by health",
            unit="connectors",
        ),
        runs_chart=charts.stacked_columns(
            hourly.hours, RUN_SERIES, title="Runs per hour, last 24 hours", label_every=3
        ),
        runs_last_day=hourly.total,
    )


@bp.route(f"/connectors/<int(max={MAX_ID}):connector_id>")
def connector(connector_id: int) -> str:
    """One connector: its health, its controls and its latest runs."""
    session = db()
    try:
        (health,) = health_rows(session, connector_id=connector_id)
    except NotFound:
        abort(404, f"No connector with id {connector_id}.")
    monitor = RunMonitor(session)
    page = monitor.list(RunFilter(connector_id=connector_id), limit=20)
    return render(
        "connector.html",
        section="overview",
        health=health,
        runs=page,
        owners=monitor.owners(r.connector_id for r in page.runs),
    )


@bp.route("/runs")
def runs() -> str:
    """Runs newest first, filtered by status or connector, paged by id; the first page refreshes
    itself every few seconds (htmx swaps in the table only)."""
    status = request.args.get("status") or None
    connector_id = request.args.get("connector", type=int)
    before = request.args.get("before", type=int)
    monitor = RunMonitor(db())
    try:
        # The page's `before` is the monitor's cursor: the id to continue below.
        page = monitor.list(
            RunFilter(status=status, connector_id=connector_id),
            cursor=str(before) if before is not None else None,
        )
    except InvalidInput as error:
        abort(400, f"{error}.")
    context = {
        "section": "runs",
        "page": page,
        "owners": monitor.owners(r.connector_id for r in page.runs),
        "status": status or "",
        "connector_id": connector_id,
        "before": before,
        "statuses": RUN_STATUSES,
        "live": before is None,
    }
    if request.headers.get("HX-Request"):
        return render("_runs_table.html", **context)
    hourly = runs_per_hour(db())
    return render(
        "runs.html",
        runs_chart=charts.stacked_columns(
            hourly.hours, RUN_SERIES, title="Runs per hour, last 24 hours", label_every=3
        ),
        **context,
    )


@bp.route(f"/runs/<int(max={MAX_ID}):run_id>")
def run(run_id: int) -> str:
    """One run: counters, duration, error, log lines, and the records it quarantined with their
    field errors (raw records are stored with NIKs masked)."""
    try:
        detail = RunMonitor(db()).detail(run_id, rejections=50)
    except NotFound:
        abort(404, f"No run with id {run_id}.")
    return render("run.html", section="runs", detail=detail)


@bp.route("/partners")
def partners() -> str:
    """Records kept per partner, as a chart of the largest and a full table."""
    table = records_per_partner(db())
    top = [(r.partner.code, r.total, "#0b4f8a") for r in table[:15]]
    return render(
        "partners.html",
        section="partners",
        table=table,
        chart=charts.horizontal_bars(top, title="Records per partner (top 15)", unit="records"),
    )


def streams_of(instance: ConnectorInstance) -> list[str]:
    """The streams the connector's type offers with its config."""
    connector_type = connectors.get_connector_type(instance.type)
    return list(connector_type().streams(connectors.load_config(connector_type, instance.config)))


def _back() -> ResponseReturnValue:
    return redirect(safe_next(request.form.get("next")))


def _connector(connector_id: int) -> ConnectorInstance:
    found = db().get(ConnectorInstance, connector_id)
    if found is None:
        abort(404, f"No connector with id {connector_id}.")
    return found


@bp.route(f"/connectors/<int(max={MAX_ID}):connector_id>/run", methods=["POST"])
def run_now(connector_id: int) -> ResponseReturnValue:
    """Queue a run of every stream of the connector through the dispatcher."""
    instance = _connector(connector_id)
    name = f"{instance.name} (#{instance.id})"
    started, refused = [], []
    for stream in streams_of(instance):
        try:
            started.append(dispatcher().submit(connector_id, stream, trigger="manual"))
        except Conflict as error:
            refused.append(str(error))
        except HubError as error:
            flash(f"Could not run {name}: {error}", "error")
            return _back()
    if started:
        ids = ", ".join(f"#{r.id}" for r in started)
        flash(f"Run {ids} of {name} queued.", "ok")
    for reason in refused:
        flash(f"Not queued: {reason}.", "error")
    return _back()


@bp.route(f"/connectors/<int(max={MAX_ID}):connector_id>/pause", methods=["POST"])
def pause(connector_id: int) -> ResponseReturnValue:
    """Pause the connector: no scheduled or requested run starts until it is resumed."""
    instance = _connector(connector_id)
    reason = f"paused by {g.admin.email} from the dashboard"
    if ScheduleService(db()).pause(connector_id, reason):
        flash(f"{instance.name} (#{connector_id}) paused.", "ok")
    return _back()


@bp.route(f"/connectors/<int(max={MAX_ID}):connector_id>/resume", methods=["POST"])
def resume(connector_id: int) -> ResponseReturnValue:
    """Resume a paused connector; its failure streak starts again from zero."""
    instance = _connector(connector_id)
    reason = f"resumed by {g.admin.email} from the dashboard"
    if ScheduleService(db()).resume(connector_id, reason):
        flash(f"{instance.name} (#{connector_id}) resumed.", "ok")
    return _back()
