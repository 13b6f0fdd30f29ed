"""The `hub` command: everything an operator does (DESIGN.md §6)."""

from __future__ import annotations

import click

from hub.cli.admin import clients, init, partners
from hub.cli.definitions import DEFINITION_COMMANDS
from hub.cli.demo import demo
from hub.cli.sandbox import sandbox
from hub.cli.sync import connectors, runs
from hub.cli.tools import schemas


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Partner hub: connectors, common schema, sync runs."""


for command in (init, partners, clients, connectors, runs, schemas, demo, sandbox):
    cli.add_command(command)
for command in DEFINITION_COMMANDS:
    connectors.add_command(command)


def main() -> None:
    """Entry point of the `hub` console script."""
    cli()
