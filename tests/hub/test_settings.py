"""Settings from the HUB_* environment: a value that cannot be used is refused naming its
variable and the rule, never echoing the value; the `hub` command then exits 2, or 1 when the
database cannot be reached, without a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.cli import main
from hub.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("HUB_BATCH_SIZE", "lots", "must be a whole number"),
        ("HUB_BATCH_SIZE", "0", "must be at least 1"),
        ("HUB_ACCESS_TOKEN_LIFETIME", "86400", "must be between 60 and 3600 seconds"),
        ("HUB_HEARTBEAT_SECONDS", "inf", "must be a finite number"),
        ("HUB_MAX_FAILURES", "2.5", "must be a whole number"),
        ("HUB_DATABASE_URL", "mysql-ish://root:hunter2@db/hub", "must be a database URL"),
        ("HUB_DATABASE_URL", "hunter2", "must be a database URL"),
    ],
)
def test_a_setting_that_cannot_be_used_names_its_variable_not_its_value(
    tmp_path: Path, variable: str, value: str, rule: str
) -> None:
    environ = {"HUB_DATA_DIR": str(tmp_path), "HUB_SECRET_KEY": "k", variable: value}

    with pytest.raises(SettingsError) as caught:
        load_settings(environ=environ)

    assert str(caught.value).startswith(f"{variable}: {rule}")
    assert "hunter2" not in str(caught.value)


def run_hub(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """`hub ARGS` as the console script runs it; its exit status."""
    monkeypatch.setattr(sys, "argv", ["hub", *args])
    with pytest.raises(SystemExit) as caught:
        main()
    return int(caught.value.code or 0)


def test_the_command_exits_2_naming_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_BATCH_SIZE", "lots")

    assert run_hub(monkeypatch, "runs", "list") == 2
    captured = capsys.readouterr()
    assert "HUB_BATCH_SIZE: must be a whole number" in captured.err
    assert "Traceback" not in captured.err


def test_an_unreachable_database_exits_1_without_its_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    # Port 9 (discard) has no PostgreSQL behind it.
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://hub:hunter2@127.0.0.1:9/hub")

    assert run_hub(monkeypatch, "runs", "list") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("error: database: connection failed")
    assert "hunter2" not in err
