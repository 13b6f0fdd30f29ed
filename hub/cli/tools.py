"""`hub schemas`: the common schema for partners' developers."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import console, reports_errors
from schemas import export_json_schemas


@click.group()
def schemas() -> None:
    """Export the common schema."""


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@reports_errors
def export(directory: Path) -> None:
    """Write one JSON Schema (2020-12) per entity into DIRECTORY."""
    for path in export_json_schemas(directory):
        console.print(str(path))
