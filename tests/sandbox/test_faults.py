"""A sync against a faulty partner: transient faults are retried and the data arrives whole;
a fault that outlasts the retries fails the run with a classified error and loses nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.sandbox import expected
from hub.sandbox.faults import parse_faults
from hub.sandbox.population import build_world
from hub.sandbox.registration import Registered, register_sandbox
from hub.sandbox.server import Sandbox, serve_sandbox
from hub.settings import Settings
from hub.store.models import Certificate
from hub.sync.runner import SyncRunner

WORLD = build_world(seed=7)
#: The json_pages provider with the most certificates: several pages of 500.
PARTNER = max((p for p in WORLD.partners if p.style == "json_pages"), key=lambda p: p.certificates)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(WORLD)


@pytest.fixture
def registered(
    sandbox: Sandbox, sessions: sessionmaker[Session], settings: Settings
) -> Iterator[Registered]:
    with serve_sandbox(sandbox) as url:
        with sessions.begin() as session:
            entries = register_sandbox(session, WORLD, url, ConfigSealer(settings))
        yield next(r for r in entries if r.partner_code == PARTNER.code)


def stored_certificates(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Certificate)) or 0


def expected_certificates() -> tuple[int, int]:
    bad = len(expected.malformed(WORLD).get(PARTNER.code, {}).get("certificates", {}))
    return PARTNER.certificates - bad, bad


@pytest.mark.parametrize("plan", ["429:2:0", "5xx:2", "drop:1", "429:1:0,5xx:1,drop:1"])
def test_transient_faults_are_retried_and_every_record_arrives(
    plan: str,
    sandbox: Sandbox,
    registered: Registered,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    assert PARTNER.certificates > 1_000
    sandbox.injector.replace(parse_faults(plan))
    run = SyncRunner(sessions, settings).run(registered.connector_id, "certificates")
    good, bad = expected_certificates()
    assert (run.status, run.records_read, run.created, run.rejected) == (
        "partial",
        PARTNER.certificates,
        good,
        bad,
    )
    assert stored_certificates(sessions) == good


def test_a_connection_that_keeps_dropping_fails_the_run_classified_and_a_rerun_completes(
    sandbox: Sandbox,
    registered: Registered,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    runner = SyncRunner(sessions, settings)
    sandbox.injector.replace(parse_faults(f"drop:9@{PARTNER.code}"))
    failed = runner.run(registered.connector_id, "certificates")
    assert failed.status == "failed"
    assert failed.error_code == "source_unavailable"
    assert stored_certificates(sessions) == 0
    sandbox.injector.replace(())
    run = runner.run(registered.connector_id, "certificates")
    good, bad = expected_certificates()
    assert (run.status, run.created, run.rejected) == ("partial", good, bad)
    assert stored_certificates(sessions) == good
