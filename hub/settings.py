"""Settings: `config/defaults.toml`, then environment variables prefixed `HUB_`, then overrides."""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "defaults.toml"
ENV_PREFIX = "HUB_"


class SettingsError(ValueError):
    """A setting that cannot be used: the message names its `HUB_*` variable and the rule (and
    never repeats the value, which may be a secret)."""


@dataclass(frozen=True)
class Settings:
    """The hub's settings, resolved and typed."""

    data_dir: Path
    database_url: str
    issuer: str
    secret_key: str
    batch_size: int
    access_token_lifetime: int
    rate_limit: str
    # Scheduling and dispatch (see config/defaults.toml).
    dispatch_threads: int = 4
    heartbeat_seconds: float = 30.0
    scheduler_poll_seconds: float = 5.0
    max_failures: int = 5
    retry_backoff_seconds: float = 60.0
    retry_backoff_max_seconds: float = 3600.0
    notify_webhook_url: str = ""
    admin_contacts: tuple[str, ...] = ()

    def subkey(self, purpose: str) -> bytes:
        """A key for one purpose, derived from the secret key so purposes never share a key."""
        return hmac.new(self.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()

    @property
    def nik_key(self) -> bytes:
        """The key of the keyed hash that stands in for a NIK (`participant.ref`)."""
        return self.subkey("participant-ref")


def _defaults() -> dict[str, Any]:
    if DEFAULTS_FILE.exists():
        with DEFAULTS_FILE.open("rb") as f:
            return tomllib.load(f)
    return {}


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolve settings from defaults, then `HUB_*` variables, then `overrides`.

    An empty `database_url` means SQLite in the data dir; an empty `secret_key` means the key kept
    in `<data_dir>/secret.key`, made on first use.
    """
    env = os.environ if environ is None else environ
    values = _defaults()
    for f in fields(Settings):
        if (raw := env.get(ENV_PREFIX + f.name.upper())) is not None:
            values[f.name] = raw
    values.update(overrides or {})
    data_dir = Path(values.get("data_dir") or "var")
    settings = Settings(
        data_dir=data_dir,
        database_url=str(values.get("database_url") or ""),
        issuer=str(values.get("issuer") or "http://127.0.0.1:8000"),
        secret_key=str(values.get("secret_key") or ""),
        batch_size=_number(values, "batch_size", int, 5000),
        access_token_lifetime=_number(values, "access_token_lifetime", int, 900),
        rate_limit=str(values.get("rate_limit") or "1200/minute"),
        **_scheduling(values),
    )
    if settings.batch_size < 1:
        _invalid("batch_size", "must be at least 1")
    if not 60 <= settings.access_token_lifetime <= 3600:
        _invalid("access_token_lifetime", "must be between 60 and 3600 seconds")
    if not settings.database_url:
        settings = replace(settings, database_url=f"sqlite:///{data_dir / 'hub.db'}")
    try:
        make_url(settings.database_url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        _invalid(
            "database_url",
            "must be a database URL such as postgresql+psycopg://host/db or sqlite:///path",
        )
    if not settings.secret_key:
        settings = replace(settings, secret_key=_local_secret(data_dir))
    return settings


def _invalid(name: str, rule: str) -> NoReturn:
    raise SettingsError(f"{ENV_PREFIX}{name.upper()}: {rule}")


def _number(
    values: Mapping[str, Any], name: str, kind: type[int] | type[float], default: Any
) -> Any:
    """The setting `name` as an int or a finite float; `default` when it is not given."""
    raw = values.get(name)
    if raw is None or raw == "":
        return default
    try:
        number = kind(raw)
    except (TypeError, ValueError):
        _invalid(name, "must be a whole number" if kind is int else "must be a number")
    if not math.isfinite(number):
        _invalid(name, "must be a finite number")
    return number


def _scheduling(values: Mapping[str, Any]) -> dict[str, Any]:
    """The scheduling settings given, typed and checked; absent ones keep their defaults."""
    typed: dict[str, Any] = {}
    for name, kind, least in (
        ("dispatch_threads", int, 1),
        ("heartbeat_seconds", float, 0.01),
        ("scheduler_poll_seconds", float, 0.01),
        ("max_failures", int, 1),
        ("retry_backoff_seconds", float, 0),
        ("retry_backoff_max_seconds", float, 0),
    ):
        number = _number(values, name, kind, None)
        if number is not None:
            if number < least:
                _invalid(name, f"must be at least {least}")
            typed[name] = number
    if values.get("notify_webhook_url"):
        typed["notify_webhook_url"] = str(values["notify_webhook_url"])
    contacts = values.get("admin_contacts")
    if contacts:
        # A list in the TOML file, a comma-separated string in HUB_ADMIN_CONTACTS.
        items = contacts.split(",") if isinstance(contacts, str) else contacts
        typed["admin_contacts"] = tuple(c.strip() for c in items if c.strip())
    return typed


def _local_secret(data_dir: Path) -> str:
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
