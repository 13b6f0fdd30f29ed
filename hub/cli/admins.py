"""`hub admins`: the programme admins who sign in to the dashboard at /admin/."""

from __future__ import annotations

import sys

import click

from hub.admin.accounts import AdminService
from hub.cli.context import Hub, console, emit_json, pass_hub, print_table, reports_errors


@click.group()
def admins() -> None:
    """Create and list dashboard admins."""


@admins.command("create")
@click.option("--email", required=True, help="The admin's email address; it signs in with it.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin instead of prompting.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def create_admin(hub: Hub, email: str, password_stdin: bool, as_json: bool) -> None:
    """Create an admin who signs in at /admin/ with this email and a password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with hub.transaction() as session:
        admin = AdminService(session).create(email, password)
        answer = {"id": admin.id, "email": admin.email, "created_at": admin.created_at.isoformat()}
    if as_json:
        emit_json(answer)
    else:
        console.print(f"admin {answer['email']} created")


@admins.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_hub
@reports_errors
def list_admins(hub: Hub, as_json: bool) -> None:
    """List admins (never their password hashes)."""
    with hub.transaction() as session:
        rows = [
            {
                "id": a.id,
                "email": a.email,
                "created_at": a.created_at.isoformat(),
                "last_signed_in_at": a.last_signed_in_at.isoformat()
                if a.last_signed_in_at
                else None,
            }
            for a in AdminService(session).list()
        ]
    if as_json:
        emit_json(rows)
        return
    print_table(
        "Admins",
        ["id", "email", "created", "last signed in"],
        [[r["id"], r["email"], r["created_at"], r["last_signed_in_at"]] for r in rows],
    )
