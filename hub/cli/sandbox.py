"""`hub sandbox`: the simulated partners — serve them, render their definitions, register them."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import Hub, console, emit_json, fail, pass_hub, reports_errors, wait_until_set
from hub.connections.secrets import ConfigSealer
from hub.sandbox.definitions import write_definitions
from hub.sandbox.faults import FaultSpecError, parse_faults
from hub.sandbox.population import DEFAULT_SCALE, MIN_SCALE, World, build_world
from hub.sandbox.registration import register_sandbox
from hub.sandbox.server import Sandbox, serve_sandbox


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8900, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="the world's seed")
@click.option(
    "--scale",
    type=click.IntRange(MIN_SCALE, 10_000_000),
    default=DEFAULT_SCALE,
    show_default=True,
    help="records in all (courses, certificates and payments)",
)
@click.option("--faults", default="", help="e.g. '429:2,5xx:3@lpk-001,drop:1,slow:200'")
@click.option("--catalog-version", type=click.IntRange(1, 2), default=1, show_default=True)
@click.option("--no-malformed", is_flag=True, help="serve every record sound")
@click.option("--token-ttl", type=click.FloatRange(1, 86_400), default=300.0, show_default=True)
@click.pass_context
def sandbox(
    ctx: click.Context,
    host: str,
    port: int,
    seed: int,
    scale: int,
    faults: str,
    catalog_version: int,
    no_malformed: bool,
    token_ttl: float,
) -> None:
    """Serve 180 training providers and 5 payment partners on HOST:PORT until interrupted
    (without a subcommand). Control API under /_sandbox/ (partners, expected, changes, catalog,
    faults)."""
    world = build_world(seed, scale)
    ctx.obj = world
    if ctx.invoked_subcommand is not None:
        return
    try:
        parse_faults(faults)
    except FaultSpecError as error:
        fail(f"--faults: {error}", 2)
    server = Sandbox(
        world,
        faults=faults,
        version=catalog_version,
        malformed=not no_malformed,
        token_ttl=token_ttl,
    )
    totals = world.totals()
    with serve_sandbox(server, host=host, port=port) as base_url:
        console.print(
            f"sandbox (seed {seed}) at {base_url}: {len(world.partners)} partners, "
            f"{totals['courses']:,} courses, {totals['certificates']:,} certificates, "
            f"{totals['payments']:,} payments; control at {base_url}/_sandbox/partners"
        )
        try:
            wait_until_set()
        except KeyboardInterrupt:
            console.print("sandbox stopped")


@sandbox.command()
@click.option("--url", required=True, help="the sandbox's base URL, e.g. http://127.0.0.1:8900")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/sandbox-definitions"),
    show_default=True,
)
@click.pass_obj
def definitions(world: World, url: str, out: Path) -> None:
    """Write each partner's connector definition (rendered from its style's template in
    config/connectors/sandbox/) to OUT/<code>.yaml."""
    written = write_definitions(world, url, out)
    console.print(f"wrote {len(written)} definitions to {out}")


@sandbox.command()
@click.option("--url", required=True, help="the sandbox's base URL, e.g. http://127.0.0.1:8900")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@pass_hub
@reports_errors
def register(hub: Hub, world: World, url: str, as_json: bool) -> None:
    """Register the sandbox's partners and their connectors in the hub (running it again reuses
    what exists and points the connectors at URL)."""
    with hub.transaction() as session:
        registered = register_sandbox(session, world, url, ConfigSealer(hub.settings))
    if as_json:
        emit_json(
            [
                {
                    "partner": r.partner_code,
                    "connector_id": r.connector_id,
                    "streams": list(r.streams),
                    "created": r.created,
                }
                for r in registered
            ]
        )
        return
    created = sum(r.created for r in registered)
    console.print(
        f"{len(registered)} sandbox partners registered ({created} new), connectors at {url}"
    )
