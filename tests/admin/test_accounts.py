"""Dashboard admins: created by `hub admins create`, passwords kept only as hashes, sessions that
end when the admin signs out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.admin.accounts import AdminService
from hub.cli import cli
from hub.errors import Conflict, InvalidInput, NotFound
from hub.settings import Settings
from hub.store.models import Admin

PASSWORD = "correct horse battery"


@pytest.fixture
def hub(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUB_SECRET_KEY", settings.secret_key)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Any:
        return runner.invoke(cli, list(args), input=stdin, catch_exceptions=False)

    return invoke


def test_admins_create_reads_the_password_from_stdin_and_keeps_only_a_hash(
    hub: Any, sessions: sessionmaker[Session]
) -> None:
    result = hub(
        "admins", "create", "--email", " Ops@Prakerja.go.id ", "--password-stdin", "--json",
        stdin=PASSWORD + "\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["email"] == "ops@prakerja.go.id"
    with sessions() as session:
        admin = session.scalars(select(Admin)).one()
        assert PASSWORD not in admin.password_hash
        assert AdminService(session).sign_in("ops@prakerja.go.id", PASSWORD) is not None
    listed = json.loads(hub("admins", "list", "--json").stdout)
    assert [a["email"] for a in listed] == ["ops@prakerja.go.id"]
    assert "password_hash" not in listed[0]


def test_admins_create_prompts_twice_for_the_password(
    hub: Any, sessions: sessionmaker[Session]
) -> None:
    result = hub("admins", "create", "--email", "a@b.id", stdin=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    with sessions() as session:
        assert AdminService(session).sign_in("a@b.id", PASSWORD) is not None


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-address", PASSWORD, "email"), ("a@b.id", "short", "password")],
)
def test_bad_admin_input_is_refused_naming_the_field(
    hub: Any, sessions: sessionmaker[Session], email: str, password: str, field: str
) -> None:
    result = hub("admins", "create", "--email", email, "--password-stdin", stdin=password)

    assert result.exit_code == 2
    assert f"{field}:" in result.stderr
    with sessions() as session:
        assert session.scalars(select(Admin)).all() == []


def test_a_second_admin_with_the_same_email_is_a_conflict(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        AdminService(session).create("a@b.id", PASSWORD)
    with sessions.begin() as session, pytest.raises(Conflict, match="email"):
        AdminService(session).create("A@B.id", PASSWORD)


def test_wrong_password_or_unknown_email_opens_no_session(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        admins = AdminService(session)
        admins.create("a@b.id", PASSWORD)
        assert admins.sign_in("a@b.id", PASSWORD + "x") is None
        assert admins.sign_in("nobody@b.id", PASSWORD) is None


def test_signing_out_ends_the_session(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        admins = AdminService(session)
        admins.create("a@b.id", PASSWORD)
        signed_in = admins.sign_in("a@b.id", PASSWORD)
        assert signed_in is not None
        token = signed_in.token
        assert admins.session_admin(token) is not None
    with sessions.begin() as session:
        AdminService(session).sign_out(token)
    with sessions() as session:
        assert AdminService(session).session_admin(token) is None


def test_a_new_password_replaces_the_old_and_ends_open_sessions(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        AdminService(session).create("a@b.id", PASSWORD)
        token = AdminService(session).sign_in("a@b.id", PASSWORD)
    assert token is not None
    with sessions.begin() as session:
        AdminService(session).set_password("A@b.id", "a whole new passphrase")
    with sessions.begin() as session:
        admins = AdminService(session)
        assert admins.session_admin(token.token) is None
        assert admins.sign_in("a@b.id", PASSWORD) is None
        assert admins.sign_in("a@b.id", "a whole new passphrase") is not None


def test_a_new_password_follows_the_rules_and_needs_an_admin(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        AdminService(session).create("a@b.id", PASSWORD)
    with sessions() as session:
        with pytest.raises(InvalidInput) as short:
            AdminService(session).set_password("a@b.id", "too short")
        assert list(short.value.errors) == ["password"]
        with pytest.raises(NotFound, match=r"no admin with email 'c@d\.id'"):
            AdminService(session).set_password("c@d.id", PASSWORD)
    with sessions() as session:
        assert AdminService(session).sign_in("a@b.id", PASSWORD) is not None
