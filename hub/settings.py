"""Settings: `config/defaults.toml`, then environment variables prefixed `HUB_`, then overrides."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "defaults.toml"
ENV_PREFIX = "HUB_"


@dataclass(frozen=True)
class Settings:
    """The hub's settings, resolved and typed."""

    data_dir: Path
    database_url: str
    issuer: str
    secret_key: str
    batch_size: int

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
        batch_size=int(values.get("batch_size") or 5000),
    )
    if settings.batch_size < 1:
        raise ValueError("batch_size: must be at least 1")
    if not settings.database_url:
        settings = replace(settings, database_url=f"sqlite:///{data_dir / 'hub.db'}")
    if not settings.secret_key:
        settings = replace(settings, secret_key=_local_secret(data_dir))
    return settings


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
