"""Fixtures for the connector tests: partners mocked with `responses`, and an HTTP client that
records its backoff delays instead of sleeping."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from connectors.declarative import JsonApiConnector
from connectors.http import HttpClient
from connectors.registry import load_config

BASE_URL = "https://lpk.example.id/api/v1"
COURSES_URL = f"{BASE_URL}/pelatihan"


class MaxJitter(random.Random):
    """Jitter that always draws the top of its range, so backoff delays are predictable."""

    def random(self) -> float:
        return 1.0


@pytest.fixture
def delays() -> list[float]:
    """The delays the client asked to sleep, in order."""
    return []


@pytest.fixture
def make_http(delays: list[float]) -> Iterator[Callable[..., HttpClient]]:
    """Makes HttpClients that record their sleeps in `delays` and draw the full backoff delay.

    Keywords override the client's settings.
    """
    made: list[HttpClient] = []

    def make(**settings: Any) -> HttpClient:
        settings.setdefault("rng", MaxJitter())
        client = HttpClient(sleep=delays.append, **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def http(make_http: Callable[..., HttpClient]) -> HttpClient:
    """An HttpClient with default settings that records its sleeps in `delays`."""
    return make_http()


@pytest.fixture
def partner() -> Iterator[responses.RequestsMock]:
    """The partner's HTTP API; every registered answer must be asked for."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def connector(http: HttpClient) -> JsonApiConnector:
    """A json_api connector on the recording client."""
    return JsonApiConnector(http)


ConfigFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def make_config() -> ConfigFactory:
    """Builds a loaded json_api config with one `courses` stream; keywords override the stream."""

    def make(auth: dict[str, Any] | None = None, **stream: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "entity": "course",
            "path": "/pelatihan",
            "records_path": "data",
            "mapping": {"external_id": "kode", "title": "judul"},
            **stream,
        }
        raw = {"base_url": BASE_URL, "auth": auth or {"type": "none"}, "streams": {"courses": spec}}
        return load_config(JsonApiConnector, raw)

    return make
