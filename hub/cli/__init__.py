"""The `hub` command: everything an operator does (DESIGN.md §6)."""

from __future__ import annotations

import click

from hub.cli.admin import clients, init, partners
from hub.cli.demo import demo
from hub.cli.keys import keys
from hub.cli.scheduling import scheduler
from hub.cli.serve import serve
from hub.cli.sync import connectors, runs
from hub.cli.tools import schemas


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Partner hub: connectors, common schema, sync runs."""


for command in (init, partners, clients, connectors, runs, schemas, demo, serve, keys, scheduler):
    cli.add_command(command)


def main() -> None:
    """Entry point of the `hub` console script."""
    cli()
