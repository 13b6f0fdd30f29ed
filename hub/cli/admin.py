"""`hub init`, `hub partners`, `hub clients`: setting the hub up and onboarding partners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson

from hub.auth.clients import ClientService
from hub.auth.keys import SigningKeyService
from hub.auth.schemas import issued_client_as_dict
from hub.cli.context import Hub, console, emit_json, pass_hub, print_table, reports_errors
from hub.errors import InvalidInput
from hub.partners.schemas import partner_as_dict
from hub.partners.services import PartnerService
from hub.store.migrate import upgrade


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the admin client as JSON.")
@pass_hub
@reports_errors
def init(hub: Hub, as_json: bool) -> None:
    """Create or upgrade the database and signing keys, and on the first run an admin client.

    Running it again changes nothing (with --json it prints {}).
    """
    migrated = upgrade(hub.engine)
    issued = None
    with hub.transaction() as session:
        SigningKeyService(session, hub.settings).ensure()
        clients = ClientService(session)
        if not clients.has_admin():
            issued = clients.create(["admin"])
            answer = {"client_id": issued.client.client_id, "client_secret": issued.client_secret}
    if as_json:
        emit_json(answer if issued else {})
        return
    console.print(f"database: {'migrated' if migrated else 'up to date'}")
    if issued:
        console.print("admin client created; the secret is shown only now:")
        console.print(f"  client_id     {answer['client_id']}")
        console.print(f"  client_secret {answer['client_secret']}")


@click.group()
def partners() -> None:
    """Onboard and list partners."""


@partners.command("create")
@click.option("--kind", required=True, help="training_provider, platform or payment_partner")
@click.option("--code", required=True, help="Short unique code, e.g. 'lpk-maju'.")
@click.option("--name", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def create_partner(hub: Hub, kind: str, code: str, name: str, as_json: bool) -> None:
    """Onboard a partner."""
    with hub.transaction() as session:
        answer = partner_as_dict(
            PartnerService(session).create({"kind": kind, "code": code, "name": name})
        )
    if as_json:
        emit_json(answer)
    else:
        console.print(f"partner {answer['code']} created: {answer['id']}")


@partners.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def list_partners(hub: Hub, as_json: bool) -> None:
    """List partners."""
    with hub.transaction() as session:
        rows = [partner_as_dict(p) for p in PartnerService(session).list()]
    if as_json:
        emit_json(rows)
        return
    print_table(
        "Partners",
        ["id", "code", "kind", "name", "status"],
        [[r["id"], r["code"], r["kind"], r["name"], r["status"]] for r in rows],
    )


@click.group()
def clients() -> None:
    """Create and revoke OAuth 2.0 clients."""


@clients.command("create")
@click.option("--partner", default=None, help="Partner id or code; none makes an admin client.")
@click.option("--scopes", default="admin", show_default=True, help="Space-separated scopes.")
@click.option(
    "--jwks",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON file of the client's public keys: it then authenticates by private_key_jwt.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def create_client(
    hub: Hub, partner: str | None, scopes: str, jwks: str | None, as_json: bool
) -> None:
    """Create a client; its secret is shown only now."""
    with hub.transaction() as session:
        issued = ClientService(session).create(
            scopes.split(), partner, _read_json(jwks) if jwks else None
        )
        answer = issued_client_as_dict(issued)
    if as_json:
        emit_json(answer)
        return
    console.print(f"client_id     {answer['client_id']}")
    if answer["client_secret"]:
        console.print(f"client_secret {answer['client_secret']}  (shown only now)")
    else:
        console.print("auth method   private_key_jwt (no secret)")
    console.print(f"scopes        {' '.join(answer['scopes'])}")


def _read_json(path: str) -> dict[str, Any]:
    try:
        value = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise InvalidInput(f"jwks: cannot read a JSON file at {path}: {error}") from error
    if not isinstance(value, dict):
        raise InvalidInput("jwks: the file must hold a JSON object")
    return value


@clients.command("revoke")
@click.argument("client_id")
@pass_hub
@reports_errors
def revoke_client(hub: Hub, client_id: str) -> None:
    """Revoke a client: no new tokens, and the tokens it holds stop working at once."""
    with hub.transaction() as session:
        ClientService(session).revoke(client_id)
    console.print(f"client {client_id} revoked")
