"""Errors the hub's services raise, each naming what is wrong so the CLI and API can say it."""

from __future__ import annotations


class HubError(Exception):
    """Base for errors a caller can act on."""


class NotFound(HubError):
    """The thing asked for does not exist."""


class InvalidInput(HubError):
    """Input broke a rule; `errors` maps each field (dotted path) to its messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class Conflict(HubError):
    """The request clashes with the current state (a duplicate, a run already going)."""
