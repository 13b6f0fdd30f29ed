"""`hub connectors validate | test | schema`: the kit a provider uses on a declarative
definition before going live. Nothing here touches the database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

import connectors as connector_sdk
from connectors.declarative import DeclarativeConnector
from connectors.definition_files import DefinitionError, load_definition, schema_text
from connectors.mapping import source_fields
from hub.cli.context import emit_json, fail
from schemas import Normalizer, RecordInvalid


def _load(file: str) -> dict[str, Any]:
    try:
        return load_definition(file)
    except DefinitionError as error:
        lines = "".join(f"\n  {file}:{problem}" for problem in error.problems)
        fail(f"{file} is not a valid definition:{lines}", 2)
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}", 2)


@click.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check a definition file; explain each mistake with its line:column and JSON path."""
    config = _load(file)
    click.echo(f"{file}: valid; streams: {', '.join(config['streams'])}")


@click.command("test")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--stream", "stream_name", default=None, help="The stream to read (default: each).")
@click.option("--limit", default=10, show_default=True, help="Records to read per stream.")
@click.option("--timezone", default="Asia/Jakarta", show_default=True, help="The source's zone.")
@click.option("--json", "as_json", is_flag=True)
def test(file: str, stream_name: str | None, limit: int, timezone: str, as_json: bool) -> None:
    """Read a definition's source and show mapped records and why others are rejected.

    Writes nothing; participants appear only as keyed hashes of a throwaway key.
    """
    config = _load(file)
    names = [stream_name] if stream_name else list(config["streams"])
    connector = DeclarativeConnector()
    report = []
    try:
        for name in names:
            report.append(_test_stream(connector, config, name, limit, timezone))
    except connector_sdk.ConnectorError as error:
        fail(f"[{error.code}] {error}")
    if as_json:
        emit_json(report)
        return
    for stream in report:
        click.echo(f"stream {stream['stream']}: {len(stream['records'])} records read")
        for record in stream["records"]:
            if "document" in record:
                click.echo(f"  ok       {record['document'].get('external_id')}")
            else:
                click.echo(f"  rejected #{record['index']}")
                for field, messages in record["errors"].items():
                    click.echo(f"           {field}: {'; '.join(messages)}")
            if record["unmapped_fields"]:
                click.echo(
                    f"           unmapped source fields: {', '.join(record['unmapped_fields'])}"
                )
        for notice in stream["notices"]:
            click.echo(f"  notice [{notice['code']}] {notice['message']} ({notice['count']})")


def _test_stream(
    connector: DeclarativeConnector, config: dict[str, Any], name: str, limit: int, zone: str
) -> dict[str, Any]:
    spec = config["streams"].get(name)
    if spec is None:
        fail(f"unknown stream {name!r}; the definition has: {', '.join(config['streams'])}", 2)
    mapper = connector.mapper(config, name)
    normalizer = Normalizer(spec["entity"], nik_key=os.urandom(32), timezone=zone)
    mapped_names = {
        field_name for field in source_fields(spec["mapping"]) for field_name in field.names
    }
    records: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    for item in connector_sdk.each_record(connector.read(config, name, None)):
        if isinstance(item, connector_sdk.Notice):
            notices.append({"code": item.code, "message": item.message, "count": item.count})
            continue
        if isinstance(item, connector_sdk.Checkpoint):
            if len(records) >= limit:
                break
            continue
        if len(records) >= limit:
            continue
        entry: dict[str, Any] = {
            "index": len(records),
            "unmapped_fields": sorted(set(item) - mapped_names),
        }
        try:
            entry["document"] = normalizer(mapper(item))
        except connector_sdk.MappingError as error:
            entry["errors"] = error.errors
        except RecordInvalid as error:
            entry["errors"] = error.errors
        records.append(entry)
    return {"stream": name, "records": records, "notices": notices}


@click.command("schema")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of a declarative connector definition."""
    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")


DEFINITION_COMMANDS = (validate, test, schema)
