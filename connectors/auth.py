"""Request authenticators for HTTP sources, built from an `auth` config block.

Each is a `requests` auth hook that adds its credential to every request it sees. Their reprs
hide the credential, so one printed by accident (a log line, a traceback) leaks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.auth import AuthBase

from connectors.errors import ConfigError


class ApiKeyAuth(AuthBase):
    """Sends a static API key in a header (`X-API-Key` unless the partner names another)."""

    def __init__(self, key: str, header: str = "X-API-Key") -> None:
        self.key = key
        self.header = header

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header] = self.key
        return request

    def __repr__(self) -> str:
        return f"ApiKeyAuth(header={self.header!r}, key='********')"


class BearerAuth(AuthBase):
    """Sends `Authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(token='********')"


def auth_from_config(spec: Mapping[str, Any]) -> AuthBase | None:
    """The authenticator an `auth` block describes; None for `{"type": "none"}`."""
    kind = spec.get("type")
    if kind == "none":
        return None
    if kind == "api_key":
        return ApiKeyAuth(spec["key"], spec.get("header", "X-API-Key"))
    if kind == "bearer":
        return BearerAuth(spec["token"])
    raise ConfigError(f"unknown auth type {kind!r}", {"auth.type": [f"Unknown type {kind!r}."]})
