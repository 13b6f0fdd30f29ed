"""The `hub` command: everything an operator does (DESIGN.md §6)."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from hub.cli.admin import clients, init, partners
from hub.cli.admins import admins
from hub.cli.context import fail
from hub.cli.definitions import DEFINITION_COMMANDS
from hub.cli.demo import demo
from hub.cli.keys import keys
from hub.cli.sandbox import sandbox
from hub.cli.scheduling import scheduler
from hub.cli.serve import serve
from hub.cli.sync import connectors, runs
from hub.cli.tools import schemas
from hub.settings import SettingsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Partner hub: connectors, common schema, sync runs."""


for command in (
    init,
    partners,
    clients,
    connectors,
    runs,
    schemas,
    demo,
    serve,
    keys,
    scheduler,
    admins,
    sandbox,
):
    cli.add_command(command)
for command in DEFINITION_COMMANDS:
    connectors.add_command(command)


def main() -> None:
    """Entry point of the `hub` console script. A setting that cannot be used exits 2 naming
    its variable; a database that cannot be reached exits 1 saying so, without a traceback."""
    try:
        cli()
    except SettingsError as error:
        fail(str(error), 2)
    except OperationalError as error:
        # The driver's own words, first line only: a failed statement's text goes on with the
        # statement and its values.
        lines = str(error.orig).strip().splitlines()
        fail(f"database: {lines[0] if lines else type(error.orig).__name__}")
