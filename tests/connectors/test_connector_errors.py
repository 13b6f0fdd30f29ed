"""The error classification the runner records on a failed run."""

from __future__ import annotations

import pytest

from connectors.errors import (
    AuthenticationError,
    ClientRequestError,
    ConfigError,
    ConnectorError,
    ConnectorTypeError,
    FatalError,
    MappingError,
    PaginationLoopError,
    RateLimitedError,
    RetriableError,
    SourceFormatError,
    SourceTimeoutError,
    SourceUnavailableError,
)

CLASSIFIED: dict[type[ConnectorError], tuple[str, type[ConnectorError]]] = {
    SourceUnavailableError: ("source_unavailable", RetriableError),
    RateLimitedError: ("rate_limited", RetriableError),
    SourceTimeoutError: ("timeout", RetriableError),
    AuthenticationError: ("auth", FatalError),
    SourceFormatError: ("source_format", FatalError),
    ClientRequestError: ("source_rejected_request", FatalError),
    PaginationLoopError: ("pagination_loop", FatalError),
    ConfigError: ("config", FatalError),
    ConnectorTypeError: ("connector_type", FatalError),
}


@pytest.mark.parametrize(("error", "expected"), CLASSIFIED.items(), ids=lambda e: str(e))
def test_each_error_has_its_code_and_kind(
    error: type[ConnectorError], expected: tuple[str, type[ConnectorError]]
) -> None:
    code, kind = expected

    assert error.code == code
    assert issubclass(error, kind)
    assert not issubclass(error, RetriableError if kind is FatalError else FatalError)


def test_codes_are_distinct() -> None:
    codes = [error.code for error in CLASSIFIED]

    assert len(set(codes)) == len(codes)


def test_a_retriable_error_keeps_the_delay_the_source_asked_for() -> None:
    error = RateLimitedError("GET https://x/: HTTP 429", retry_after=30.0)

    assert error.retry_after == 30.0
    assert str(error) == "GET https://x/: HTTP 429"


def test_a_mapping_error_is_per_record_not_a_connector_error() -> None:
    error = MappingError({"title": ["'judul' is missing"], "schedules.0.quota": ["bad", "worse"]})

    assert isinstance(error, ValueError)
    assert not isinstance(error, ConnectorError)
    assert error.errors["title"] == ["'judul' is missing"]
    assert str(error) == "title: 'judul' is missing; schedules.0.quota: bad worse"
