"""`hub demo`: the main job on one machine — the partner sandbox, its 185 partners registered and
synced, and the hub served with its scheduler, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import time

import click

from hub.cli.context import Hub, console, fail, pass_hub, reports_errors, wait_until_set
from hub.connections.secrets import ConfigSealer
from hub.demo.credentials import FILE_NAME, DemoCredentials, ensure_credentials
from hub.demo.firstsync import (
    INTERVAL_SECONDS,
    JITTER_SECONDS,
    schedule_unscheduled,
    summary,
    sync_with_progress,
    unsynced,
)
from hub.demo.probe import probe_api
from hub.demo.processes import Children
from hub.dispatch import ThreadPoolDispatcher
from hub.sandbox.population import DEFAULT_SCALE, MIN_SCALE, build_world
from hub.sandbox.registration import Registered, register_sandbox

#: Seconds a child gets to answer after it is started.
READY_TIMEOUT_SECONDS = 60.0
SANDBOX_SEED = 1


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--sandbox-port", type=click.IntRange(1, 65535), default=8900, show_default=True)
@click.option(
    "--scale",
    type=click.IntRange(MIN_SCALE, 10_000_000),
    default=DEFAULT_SCALE,
    show_default=True,
    help="records the sandbox serves in all",
)
@click.option("--no-sync", is_flag=True, help="Skip the first sync (the scheduler syncs later).")
@click.option("--once", is_flag=True, help="Do everything, print where to look, then stop.")
@pass_hub
@reports_errors
def demo(hub: Hub, port: int, sandbox_port: int, scale: int, no_sync: bool, once: bool) -> None:
    """Start the partner sandbox, register its partners and a connector each (scheduled every
    15 minutes), sync every stream not synced before with a progress display, then serve the
    hub on 127.0.0.1:PORT with its scheduler and print where to look, until Ctrl-C or SIGTERM,
    which stop every process started here. Needs `hub init` first; running it again reuses
    what exists."""
    # SIGTERM ends the demo the way Ctrl-C does: every child stopped, exit status 0. SIGINT is
    # set too, for a shell that started the demo in the background has it ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    children = Children(hub.settings.data_dir / "logs")
    try:
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        base_url = f"http://127.0.0.1:{port}"
        sandbox = children.start(
            "sandbox",
            ["sandbox", "--port", str(sandbox_port), "--scale", str(scale)],
        )
        # The hub starts meanwhile (it needs nothing of the sync); the scheduler only after the
        # first sync, which would otherwise compete with its first runs.
        # Tokens name the address they were issued at, unless an issuer is configured.
        issuer = {} if "HUB_ISSUER" in os.environ else {"HUB_ISSUER": base_url}
        server = children.start("hub", ["serve", "--port", str(port)], env=issuer)
        children.wait_ready(sandbox, f"{sandbox_url}/_sandbox/catalog", READY_TIMEOUT_SECONDS)
        console.print(f"sandbox at {sandbox_url} (pid {sandbox.pid}), {scale:,} records in all")
        registered = _register(hub, sandbox_url, scale)
        with hub.transaction() as session:
            credentials, made = ensure_credentials(session, hub.settings.data_dir / FILE_NAME)
        if no_sync:
            console.print("first sync skipped (--no-sync): the scheduler syncs on its schedule")
        else:
            _first_sync(hub, registered, scale)
        scheduler = children.start("scheduler", ["scheduler"])
        children.wait_ready(server, f"{base_url}/readyz", READY_TIMEOUT_SECONDS)
        partners = probe_api(base_url, credentials)
        if (gone := children.first_exited()) is not None:
            fail(children.describe_exit(gone))
        console.print(
            f"hub at {base_url} (pid {server.pid}), scheduler (pid {scheduler.pid}); "
            f"the API answered with a token: {partners} partners"
        )
        _print_where_to_look(base_url, credentials, made, hub)
        if once:
            console.print("--once: stopping")
            return
        console.print("\n[bold]Ctrl-C stops the hub, the scheduler and the sandbox.")
        wait_until_set(children.exited)
        if (gone := children.first_exited()) is not None:
            fail(children.describe_exit(gone) + "\nstopping the others")
    except KeyboardInterrupt:
        console.print("\nstopping the hub, the scheduler and the sandbox")
    finally:
        # A second Ctrl-C must not leave children behind half-way through stopping them.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        children.stop_all()


def _register(hub: Hub, sandbox_url: str, scale: int) -> list[Registered]:
    world = build_world(SANDBOX_SEED, scale)
    with hub.transaction() as session:
        registered = register_sandbox(session, world, sandbox_url, ConfigSealer(hub.settings))
        scheduled = schedule_unscheduled(session, registered)
    created = sum(r.created for r in registered)
    console.print(
        f"{len(registered)} partners and their connectors registered ({created} new); "
        f"{scheduled} connectors newly scheduled every {INTERVAL_SECONDS // 60} minutes "
        f"(starts spread over {JITTER_SECONDS // 60})"
    )
    return registered


def _first_sync(hub: Hub, registered: list[Registered], scale: int) -> None:
    with hub.sessions() as session:
        pending = unsynced(session, registered)
    total = sum(len(r.streams) for r in registered)
    if not pending:
        console.print(
            f"every one of the {total} streams was synced before: no first sync this time "
            "(the scheduler keeps them fresh)"
        )
    else:
        before = f" ({total - len(pending)} synced before)" if len(pending) < total else ""
        console.print(f"first sync of {len(pending)} of {total} streams{before}")
        started = time.monotonic()
        dispatcher = ThreadPoolDispatcher(hub.sessions, hub.settings)
        try:
            sync_with_progress(dispatcher, hub.sessions, pending, console)
        except KeyboardInterrupt:
            console.print("\nfirst sync interrupted: runs not started are cancelled")
            dispatcher.close(wait=False)
            raise
        dispatcher.close(wait=True)
        console.print(f"first sync done in {time.monotonic() - started:.1f}s")
    with hub.sessions() as session:
        console.print(summary(session, build_world(SANDBOX_SEED, scale), registered))


def _print_where_to_look(base_url: str, credentials: DemoCredentials, made: bool, hub: Hub) -> None:
    token = (
        f"curl -s -u {credentials.client_id}:{credentials.client_secret} "
        f"-d grant_type=client_credentials {base_url}/oauth/token"
    )
    console.print(
        f"""
[bold]Where to look[/bold]
  API docs         {base_url}/docs
  OpenAPI          {base_url}/openapi.json
  Admin dashboard  {base_url}/admin/
      email        {credentials.admin_email}
      password     {credentials.admin_password}
  Admin client     {credentials.client_id}
  Credentials      {hub.settings.data_dir / FILE_NAME} ({"new" if made else "the same as before"})
  Logs             {hub.settings.data_dir / "logs"}/

A token, then the catalog with it:
  {token}
  TOKEN=$({token} | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -H "Authorization: Bearer $TOKEN" '{base_url}/api/v1/courses?limit=5'
""",
        highlight=False,
        soft_wrap=True,
    )
