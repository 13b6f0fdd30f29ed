"""`hub connectors` and `hub runs`: registering connectors, syncing them, reading runs."""

from __future__ import annotations

import json
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import yaml
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

import connectors as connector_sdk
from hub.cli.context import (
    ID,
    Hub,
    console,
    emit_json,
    fail,
    pass_hub,
    print_table,
    reports_errors,
)
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService, connector_as_dict
from hub.errors import InvalidInput
from hub.monitoring.runs import MAX_PAGE, RunFilter, RunMonitor, run_detail_as_dict
from hub.partners.services import PartnerService
from hub.store.models import RUN_STATUSES, RUN_TRIGGERS, Run
from hub.sync.runner import SyncRunner
from hub.sync.runs import run_as_dict

COUNTS = ("read", "created", "updated", "unchanged", "deleted", "rejected")


@click.group()
def connectors() -> None:
    """Register, list and sync connectors."""


@connectors.command("list")
@click.option("--partner", default=None, help="Only this partner's (id or code).")
@click.option("--types", "show_types", is_flag=True, help="List installed connector types.")
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def list_connectors(hub: Hub, partner: str | None, show_types: bool, as_json: bool) -> None:
    """List registered connectors (or, with --types, the installed connector types)."""
    if show_types:
        types = sorted(connector_sdk.connector_types())
        if as_json:
            emit_json(types)
        else:
            print_table("Connector types", ["type"], [[t] for t in types])
        return
    with hub.transaction() as session:
        rows = [connector_as_dict(c) for c in ConnectorService(session).list(partner)]
    if as_json:
        emit_json(rows)
        return
    print_table(
        "Connectors",
        ["id", "partner", "name", "type", "status", "timezone"],
        [
            [r["id"], r["partner_id"], r["name"], r["type"], r["status"], r["timezone"]]
            for r in rows
        ],
    )


@connectors.command("add")
@click.option("--type", "type_name", required=True, help="Connector type, e.g. declarative.")
@click.option("--partner", required=True, help="Partner id or code.")
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The connector's config, JSON or YAML.",
)
@click.option("--name", default=None, help="Name, unique for the partner (default: the type).")
@click.option(
    "--timezone",
    default="Asia/Jakarta",
    show_default=True,
    help="Zone of the source's naive times: Asia/Jakarta, Asia/Makassar or Asia/Jayapura.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def add_connector(
    hub: Hub,
    type_name: str,
    partner: str,
    config_file: Path,
    name: str | None,
    timezone: str,
    as_json: bool,
) -> None:
    """Register a connector for a partner; its config is validated before it is stored."""
    config = _read_config(config_file)
    with hub.transaction() as session:
        instance = ConnectorService(session).add(
            partner,
            type_name,
            config,
            sealer=ConfigSealer(hub.settings),
            name=name,
            timezone=timezone,
        )
        answer = connector_as_dict(instance)
    if as_json:
        emit_json(answer)
    else:
        console.print(f"connector {answer['id']} ({answer['type']}) added")


def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"config: {path} is not UTF-8 text (byte {error.start})") from None
    try:
        config = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise InvalidInput(f"config: {path} is not valid JSON or YAML: {error}") from error
    if not isinstance(config, dict):
        raise InvalidInput(f"config: {path} must hold an object of settings")
    return config


@connectors.command("check")
@click.argument("connector_id", type=ID)
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def check_connector(hub: Hub, connector_id: int, as_json: bool) -> None:
    """Check that a connector's source is reachable and its credentials work."""
    with hub.sessions() as session:
        try:
            ConnectorService(session).check(connector_id, sealer=ConfigSealer(hub.settings))
        except connector_sdk.ConnectorError as error:
            if as_json:
                emit_json({"ok": False, "error": {"code": error.code, "message": str(error)}})
            fail(f"check failed ({error.code}): {error}")
    if as_json:
        emit_json({"ok": True})
    else:
        console.print(f"connector {connector_id}: source reachable, credentials accepted")


@connectors.command("sync")
@click.argument("connector_id", type=ID)
@click.option("--stream", default=None, help="Only this stream (default: every stream).")
@click.option("--full-refresh", is_flag=True, help="Read everything again from the start.")
@click.option("--json", "as_json", is_flag=True, help="Print the finished runs as JSON.")
@pass_hub
@reports_errors
def sync_connector(
    hub: Hub, connector_id: int, stream: str | None, full_refresh: bool, as_json: bool
) -> None:
    """Sync a connector now, showing live counts; exit 1 when a run failed."""
    runs: list[Run] = []
    # A person watches live counts; a script reads the JSON at the end.
    progress = _progress() if not as_json else None
    tasks: dict[str, TaskID] = {}

    def show(run: Run) -> None:
        if progress is not None:
            counts = run_as_dict(run)["counts"]
            summary = "  ".join(f"{c} {counts[c]:,}" for c in COUNTS if counts[c] or c == "read")
            progress.update(tasks[run.stream], summary=summary, status=run.status)

    runner = SyncRunner(hub.sessions, hub.settings, on_progress=show)
    with progress or nullcontext():
        for name in [stream] if stream else runner.streams(connector_id):
            if progress is not None:
                tasks[name] = progress.add_task(name, total=None, summary="", status="running")
            runs.append(runner.run(connector_id, name, full_refresh=full_refresh))
            show(runs[-1])
            if progress is not None:
                progress.update(tasks[name], total=1, completed=1)
    if as_json:
        emit_json([run_as_dict(r) for r in runs])
    failed = [r for r in runs if r.status == "failed"]
    if failed:
        fail("; ".join(f"run {r.id} ({r.stream}) failed: {r.error_message}" for r in failed))


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(finished_text="•"),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[status]}"),
        TextColumn("{task.fields[summary]}"),
        TimeElapsedColumn(),
        console=console,
    )


def _instant(value: str) -> datetime:
    """An ISO 8601 date-time from the command line (its UTC offset is checked by the monitor)."""
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time") from error


@click.group()
def runs() -> None:
    """Read sync runs."""


@runs.command("list")
@click.option("--status", type=click.Choice(RUN_STATUSES), default=None)
@click.option("--partner", default=None, help="Only this partner's runs (id or code).")
@click.option("--connector", "connector_id", type=ID, default=None)
@click.option("--trigger", type=click.Choice(RUN_TRIGGERS), default=None)
@click.option(
    "--since", type=_instant, default=None, help="Created at or after, ISO 8601 with offset."
)
@click.option("--until", type=_instant, default=None, help="Created before, ISO 8601 with offset.")
@click.option("--limit", type=click.IntRange(1, MAX_PAGE), default=50, show_default=True)
@click.option("--cursor", default=None, help="The next_cursor a previous page gave.")
@click.option("--json", "as_json", is_flag=True, help='Print {"data": [...], "next_cursor"}.')
@pass_hub
@reports_errors
def list_runs(
    hub: Hub,
    status: str | None,
    partner: str | None,
    connector_id: int | None,
    trigger: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List runs, newest first, a page at a time; filters combine."""
    with hub.transaction() as session:
        where = RunFilter(
            status=status,
            partner_id=PartnerService(session).get(partner).id if partner else None,
            connector_id=connector_id,
            trigger=trigger,
            since=since,
            until=until,
        )
        page = RunMonitor(session).list(where, limit=limit, cursor=cursor)
        rows = [run_as_dict(r) for r in page.runs]
    if as_json:
        emit_json({"data": rows, "next_cursor": page.next_cursor})
        return
    print_table(
        "Runs",
        ["id", "connector", "stream", "trigger", "status", "started", *COUNTS, "error"],
        [
            [
                r["id"],
                r["connector_id"],
                r["stream"],
                r["trigger"],
                r["status"],
                r["started_at"],
                *(r["counts"][c] for c in COUNTS),
                r["error"]["code"] if r["error"] else None,
            ]
            for r in rows
        ],
    )
    if page.next_cursor is not None:
        console.print(f"more: add --cursor {page.next_cursor}")


@runs.command("show")
@click.argument("run_id", type=ID)
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def show_run(hub: Hub, run_id: int, as_json: bool) -> None:
    """Show one run: counts, error, and its first rejected records with their field errors
    (`--json` adds its partner, duration and log lines)."""
    with hub.transaction() as session:
        detail = RunMonitor(session).detail(run_id)
        answer = run_detail_as_dict(detail)
        total, rejected = detail.rejected_total, detail.rejections
    if as_json:
        emit_json(answer)
        return
    console.print(
        f"run {answer['id']}: connector {answer['connector_id']} stream {answer['stream']}"
    )
    console.print(f"  status   {answer['status']} ({answer['mode']}, {answer['trigger']})")
    console.print(f"  started  {answer['started_at']}\n  finished {answer['finished_at']}")
    console.print("  counts   " + ", ".join(f"{c} {answer['counts'][c]:,}" for c in COUNTS))
    if answer["error"]:
        console.print(
            f"  error    {answer['error']['code']}: {answer['error']['message']}", markup=False
        )
    if total:
        print_table(
            f"Rejected records ({total}, first {len(rejected)})",
            ["external id", "field", "errors"],
            [
                [r.external_id, field, "; ".join(messages)]
                for r in rejected
                for field, messages in r.errors.items()
            ],
        )
