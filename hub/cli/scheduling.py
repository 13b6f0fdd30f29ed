"""`hub connectors pause|resume|run|schedule|health` and `hub scheduler`."""

from __future__ import annotations

import logging
import signal
import threading

import click

from hub.cli.context import (
    ID,
    Hub,
    console,
    emit_json,
    fail,
    pass_hub,
    print_table,
    reports_errors,
    wait_until_set,
)
from hub.cli.sync import connectors
from hub.dispatch import ThreadPoolDispatcher
from hub.monitoring.health import HealthService, health_as_dict
from hub.monitoring.logs import log_json_lines
from hub.scheduling.scheduler import Scheduler
from hub.scheduling.schedules import ScheduleService, describe, parse_interval
from hub.store.models import Run
from hub.sync.runs import run_as_dict

log = logging.getLogger(__name__)


@connectors.command("pause")
@click.argument("connector_id", type=ID)
@click.option("--reason", default="paused by an operator", show_default=True)
@pass_hub
@reports_errors
def pause_connector(hub: Hub, connector_id: int, reason: str) -> None:
    """Pause a connector: no scheduled, retried or requested run starts until it is resumed."""
    with hub.transaction() as session:
        changed = ScheduleService(session).pause(connector_id, reason)
    console.print(f"connector {connector_id} {'paused' if changed else 'was paused already'}")


@connectors.command("resume")
@click.argument("connector_id", type=ID)
@pass_hub
@reports_errors
def resume_connector(hub: Hub, connector_id: int) -> None:
    """Resume a paused connector; its failure count starts again from zero."""
    with hub.transaction() as session:
        changed = ScheduleService(session).resume(connector_id)
    console.print(f"connector {connector_id} {'resumed' if changed else 'was not paused'}")


@connectors.command("run")
@click.argument("connector_id", type=ID)
@click.option("--stream", default=None, help="Only this stream (default: every stream).")
@click.option("--full-refresh", is_flag=True, help="Read everything again from the start.")
@click.option("--json", "as_json", is_flag=True, help="Print the finished runs as JSON.")
@pass_hub
@reports_errors
def run_connector(
    hub: Hub, connector_id: int, stream: str | None, full_refresh: bool, as_json: bool
) -> None:
    """Run a connector now through the dispatcher (its streams side by side) and wait for the
    runs to finish; exit 1 when one failed."""
    dispatcher = ThreadPoolDispatcher(hub.sessions, hub.settings)
    try:
        names = [stream] if stream else dispatcher.runner.streams(connector_id)
        queued = [
            dispatcher.submit(connector_id, name, trigger="manual", full_refresh=full_refresh)
            for name in names
        ]
        if not as_json:
            console.print("queued run " + ", ".join(f"{r.id} ({r.stream})" for r in queued))
    finally:
        dispatcher.close(wait=True)
    with hub.sessions() as session:
        runs = [session.get_one(Run, r.id) for r in queued]
    if as_json:
        emit_json([run_as_dict(r) for r in runs])
    else:
        for run in runs:
            console.print(f"run {run.id} ({run.stream}): {run.status}")
    failed = [r for r in runs if r.status == "failed"]
    if failed:
        fail("; ".join(f"run {r.id} ({r.stream}) failed: {r.error_message}" for r in failed))


@connectors.command("schedule")
@click.argument("connector_id", type=ID)
@click.option("--interval", default=None, help="Every so long: 90s, 30m, 6h, 1d, 1h30m.")
@click.option("--cron", default=None, help='A crontab expression, e.g. "0 */6 * * *".')
@click.option(
    "--jitter", type=int, default=0, show_default=True, help="Spread starts over this many seconds."
)
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def schedule_connector(
    hub: Hub, connector_id: int, interval: str | None, cron: str | None, jitter: int, as_json: bool
) -> None:
    """Sync a connector on a schedule (an interval or a cron expression in the connector's time
    zone). A running `hub scheduler` picks the change up within seconds."""
    seconds = parse_interval(interval) if interval is not None else None
    with hub.transaction() as session:
        schedule = ScheduleService(session).set(
            connector_id, interval_seconds=seconds, cron=cron, jitter_seconds=jitter
        )
        answer = {
            "connector_id": connector_id,
            "interval_seconds": schedule.interval_seconds,
            "cron": schedule.cron,
            "jitter_seconds": schedule.jitter_seconds,
            "updated_at": schedule.updated_at.isoformat(),
        }
        words = describe(schedule)
    if as_json:
        emit_json(answer)
    else:
        console.print(f"connector {connector_id} scheduled: {words}")


@connectors.command("health")
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def connector_health(hub: Hub, as_json: bool) -> None:
    """Each connector's freshness against its schedule, failure streak and rejected rate."""
    with hub.sessions() as session:
        rows = HealthService(session).overview()
    if as_json:
        emit_json([health_as_dict(h) for h in rows])
        return
    print_table(
        "Connector health",
        ["id", "name", "state", "last success", "failures", "rejected", "schedule", "next due"],
        [
            [
                h.connector_id,
                h.name,
                h.state,
                h.last_success_at.isoformat(timespec="seconds") if h.last_success_at else None,
                h.failure_streak,
                f"{h.rejected_rate:.1%}" if h.rejected_rate is not None else None,
                h.schedule,
                h.next_due_at.isoformat(timespec="seconds") if h.next_due_at else None,
            ]
            for h in rows
        ],
    )


@click.command("scheduler")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve this process's Prometheus metrics on 127.0.0.1 at this port.",
)
@pass_hub
def scheduler(hub: Hub, metrics_port: int | None) -> None:
    """Run the scheduler until SIGTERM or Ctrl-C: fires connectors' schedules, retries failed
    runs, pauses connectors that keep failing; runs execute in this process's threads.
    Logs are JSON lines on stderr."""
    log_json_lines()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    dispatcher = ThreadPoolDispatcher(hub.sessions, hub.settings)
    clock = Scheduler(hub.sessions, hub.settings, dispatcher)
    clock.start()
    log.info("scheduler started")
    wait_until_set(stop)
    log.info("scheduler stopping: waiting for the runs in progress")
    clock.stop()
    dispatcher.close(wait=True)
