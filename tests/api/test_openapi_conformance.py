"""schemathesis against /openapi.json, in-process (WSGI): generated requests to every operation
get no server error, and every answer has the documented status, media type and shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub.auth.clients import SCOPES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def provider_headers(
    auth_headers: Callable[..., dict[str, str]], make_partner: Callable[..., str]
) -> dict[str, str]:
    """A provider's token holding every scope but `admin`."""
    every = [scope for scope in SCOPES if scope != "admin"]
    return auth_headers(every, make_partner("lpk-a"))


def test_every_operation_answers_as_documented(
    app: Flask, provider_headers: dict[str, str]
) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    results = list(schema.get_all_operations())
    assert [result.err() for result in results if isinstance(result, Err)] == []
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=5,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(headers=provider_headers, checks=CHECKS)

        answers_as_documented()
