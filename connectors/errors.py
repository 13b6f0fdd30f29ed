"""Classified connector failures, and the per-record mapping failure.

The runner records `error.code` and `str(error)` on a run, so every message here is written for
an operator: it says what failed and where, and never carries a secret (no API key, token,
password or signature, and no request headers).
"""

from __future__ import annotations

from typing import ClassVar


class ConnectorError(Exception):
    """A failure that ends a connector call; `code` classifies it for the run record."""

    code: ClassVar[str] = "connector_error"


class RetriableError(ConnectorError):
    """A transient fault that outlived the retries inside the call; a later run may succeed.

    `retry_after` is the delay in seconds the source asked for, when it named one.
    """

    code: ClassVar[str] = "retriable"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FatalError(ConnectorError):
    """A fault that retrying will not fix: the config, the credentials or the source must change."""

    code: ClassVar[str] = "fatal"


class SourceUnavailableError(RetriableError):
    """The source kept answering 5xx, or the connection kept failing."""

    code: ClassVar[str] = "source_unavailable"


class RateLimitedError(RetriableError):
    """The source kept answering 429 Too Many Requests."""

    code: ClassVar[str] = "rate_limited"


class SourceTimeoutError(RetriableError):
    """The source kept failing to connect or answer in time."""

    code: ClassVar[str] = "timeout"


class AuthenticationError(FatalError):
    """The source refused the credentials (401) or the access (403)."""

    code: ClassVar[str] = "auth"


class SourceFormatError(FatalError):
    """The source answered, but not in the agreed shape: HTML, broken JSON, no records list."""

    code: ClassVar[str] = "source_format"


class ClientRequestError(FatalError):
    """The source rejected the request with a 4xx other than 401, 403, 408 and 429."""

    code: ClassVar[str] = "source_rejected_request"


class PaginationLoopError(FatalError):
    """The source sent the walk back to a page it had already served."""

    code: ClassVar[str] = "pagination_loop"


class ConfigError(FatalError):
    """A connector config (or a state handed back to a connector) is not valid.

    `errors` maps dotted field paths to messages, e.g. `{"auth.key": ["Missing data..."]}`.
    """

    code: ClassVar[str] = "config"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, list[str]] = errors or {}


class ConnectorTypeError(FatalError, LookupError):
    """A connector type name is not installed, or its plugin cannot be loaded.

    Also a `LookupError`, so that callers looking a name up can catch it as such.
    """

    code: ClassVar[str] = "connector_type"


class MappingError(ValueError):
    """One raw record cannot be mapped into the common-schema input form.

    Not a `ConnectorError`: it concerns a single record, which the runner quarantines while the
    run goes on. `errors` maps dotted target field paths to messages.
    """

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(format_field_errors(errors))
        self.errors = errors


def format_field_errors(errors: dict[str, list[str]]) -> str:
    """Render per-field errors on one line: `a.b: msg1 msg2; c: msg3`."""
    return "; ".join(f"{path or '(record)'}: {' '.join(msgs)}" for path, msgs in errors.items())
