"""`hub keys`: the keys access tokens are signed with."""

from __future__ import annotations

import click

from hub.auth.keys import SigningKeyService
from hub.cli.context import Hub, console, emit_json, pass_hub, print_table, reports_errors


@click.group()
def keys() -> None:
    """List and rotate the token signing keys."""


@keys.command("rotate")
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def rotate(hub: Hub, as_json: bool) -> None:
    """Make a new signing key; the old one stays published until its last token expires."""
    with hub.transaction() as session:
        info = SigningKeyService(session, hub.settings).rotate()
    if as_json:
        emit_json({"kid": info.kid, "alg": info.alg, "created_at": info.created_at.isoformat()})
    else:
        console.print(f"signing key {info.kid} ({info.alg}) is now current")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def list_keys(hub: Hub, as_json: bool) -> None:
    """List the signing keys, newest first (never their private halves)."""
    with hub.transaction() as session:
        rows = [
            {
                "kid": k.kid,
                "alg": k.alg,
                "current": k.is_current,
                "created_at": k.created_at.isoformat(),
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            }
            for k in SigningKeyService(session, hub.settings).list()
        ]
    if as_json:
        emit_json(rows)
        return
    print_table(
        "Signing keys",
        ["kid", "alg", "current", "created", "retired"],
        [[r["kid"], r["alg"], r["current"], r["created_at"], r["retired_at"]] for r in rows],
    )
