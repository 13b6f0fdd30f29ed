"""`hub init`, `hub partners`, `hub clients`: setting the hub up and onboarding partners."""

from __future__ import annotations

import click

from hub.auth.clients import ClientService
from hub.cli.context import Hub, console, emit_json, pass_hub, print_table, reports_errors
from hub.partners.services import PartnerService
from hub.store.migrate import upgrade
from hub.store.models import Partner


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the admin client as JSON.")
@pass_hub
@reports_errors
def init(hub: Hub, as_json: bool) -> None:
    """Create or upgrade the database, and on the first run an admin client.

    Running it again changes nothing (with --json it prints {}).
    """
    migrated = upgrade(hub.engine)
    issued = None
    with hub.transaction() as session:
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


def partner_as_dict(partner: Partner) -> dict[str, object]:
    """A partner as the CLI's --json and the API show it."""
    return {
        "id": partner.id,
        "kind": partner.kind,
        "code": partner.code,
        "name": partner.name,
        "status": partner.status,
        "contact": partner.contact,
        "created_at": partner.created_at.isoformat(),
    }


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
    """Create OAuth 2.0 clients."""


@clients.command("create")
@click.option("--partner", default=None, help="Partner id or code; none makes an admin client.")
@click.option("--scopes", default="admin", show_default=True, help="Space-separated scopes.")
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def create_client(hub: Hub, partner: str | None, scopes: str, as_json: bool) -> None:
    """Create a client; its secret is shown only now."""
    with hub.transaction() as session:
        issued = ClientService(session).create(scopes.split(), partner)
        answer = {
            "client_id": issued.client.client_id,
            "client_secret": issued.client_secret,
            "scopes": issued.client.scopes.split(),
        }
    if as_json:
        emit_json(answer)
    else:
        console.print(f"client_id     {answer['client_id']}")
        console.print(f"client_secret {answer['client_secret']}  (shown only now)")
        console.print(f"scopes        {' '.join(answer['scopes'])}")
