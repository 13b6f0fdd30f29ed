"""The in-process dispatcher: a submitted run is queued at once and executed in the background,
at most `threads` at a time, and one run per connector stream whatever asks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.dispatch import ThreadPoolDispatcher
from hub.errors import Conflict, InvalidInput, NotFound
from hub.partners.services import PartnerService
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog
from hub.settings import Settings
from hub.store.models import ConnectorInstance, Run


class Gate:
    """Holds every page back until opened; counts the pages being held at once."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.lock = threading.Lock()
        self.waiting = 0
        self.most_at_once = 0

    def __call__(self, page: int) -> None:
        with self.lock:
            self.waiting += 1
            self.most_at_once = max(self.most_at_once, self.waiting)
        self.open.wait(timeout=60)
        with self.lock:
            self.waiting -= 1


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.open.set()


@pytest.fixture
def base_url(gate: Gate) -> Iterator[str]:
    with serve_catalog(CatalogSource(30), gate=gate) as url:
        yield url


def add_connectors(
    sessions: sessionmaker[Session], settings: Settings, base_url: str, count: int
) -> list[int]:
    """`count` providers, each with a connector to the catalog."""
    ids = []
    with sessions.begin() as session:
        for n in range(count):
            code = f"lpk-{n}"
            PartnerService(session).create(
                {"kind": "training_provider", "code": code, "name": f"LPK {n}"}
            )
            config = catalog_connector_config(base_url, 50)
            ids.append(
                ConnectorService(session)
                .add(code, "json_api", config, sealer=ConfigSealer(settings))
                .id
            )
    return ids


def statuses(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions() as session:
        return {c: s for c, s in session.execute(select(Run.connector_id, Run.status))}


@pytest.fixture
def dispatcher(
    sessions: sessionmaker[Session], settings: Settings
) -> Iterator[ThreadPoolDispatcher]:
    dispatcher = ThreadPoolDispatcher(sessions, settings, threads=2)
    yield dispatcher
    dispatcher.close()


def test_submit_returns_the_queued_run_at_once_and_it_runs_in_the_background(
    sessions: sessionmaker[Session],
    settings: Settings,
    dispatcher: ThreadPoolDispatcher,
    gate: Gate,
    base_url: str,
) -> None:
    [connector_id] = add_connectors(sessions, settings, base_url, 1)

    run = dispatcher.submit(connector_id, "courses", trigger="api")

    assert (run.status, run.trigger, run.mode) == ("queued", "api", "full_refresh")
    wait_until(lambda: gate.waiting == 1)
    assert statuses(sessions) == {connector_id: "running"}
    gate.open.set()
    assert dispatcher.wait_idle(timeout=30)
    with sessions() as session:
        done = session.get_one(Run, run.id)
        assert (done.status, done.created) == ("succeeded", 30)


def test_a_second_submit_of_a_busy_stream_is_a_conflict_and_queues_nothing(
    sessions: sessionmaker[Session],
    settings: Settings,
    dispatcher: ThreadPoolDispatcher,
    gate: Gate,
    base_url: str,
) -> None:
    [connector_id] = add_connectors(sessions, settings, base_url, 1)
    dispatcher.submit(connector_id, "courses", trigger="api")

    with pytest.raises(Conflict, match="running already"):
        dispatcher.submit(connector_id, "courses", trigger="manual", full_refresh=True)

    gate.open.set()
    assert dispatcher.wait_idle(timeout=30)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 1
    # Once the first has finished, the stream takes a run again.
    again = dispatcher.submit(connector_id, "courses", trigger="manual")
    assert dispatcher.wait_idle(timeout=30)
    with sessions() as session:
        assert session.get_one(Run, again.id).status == "succeeded"


def test_runs_beyond_the_pool_wait_queued_for_a_free_thread(
    sessions: sessionmaker[Session],
    settings: Settings,
    dispatcher: ThreadPoolDispatcher,
    gate: Gate,
    base_url: str,
) -> None:
    connector_ids = add_connectors(sessions, settings, base_url, 3)

    runs = [dispatcher.submit(c, "courses", trigger="api") for c in connector_ids]

    wait_until(lambda: gate.waiting == 2)
    assert sorted(statuses(sessions).values()) == ["queued", "running", "running"]
    gate.open.set()
    assert dispatcher.wait_idle(timeout=30)
    assert gate.most_at_once == 2
    with sessions() as session:
        assert [session.get_one(Run, r.id).status for r in runs] == ["succeeded"] * 3


def test_bad_submissions_are_refused_and_queue_nothing(
    sessions: sessionmaker[Session],
    settings: Settings,
    dispatcher: ThreadPoolDispatcher,
    base_url: str,
) -> None:
    [connector_id] = add_connectors(sessions, settings, base_url, 1)

    with pytest.raises(InvalidInput, match="unknown stream 'payments'") as error:
        dispatcher.submit(connector_id, "payments", trigger="api")
    assert "stream" in error.value.errors
    with pytest.raises(NotFound, match="connector: no connector with id 99"):
        dispatcher.submit(99, "courses", trigger="api")
    with sessions.begin() as session:
        session.execute(
            update(ConnectorInstance)
            .where(ConnectorInstance.id == connector_id)
            .values(status="paused")
        )
    with pytest.raises(Conflict, match="paused"):
        dispatcher.submit(connector_id, "courses", trigger="api")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0
