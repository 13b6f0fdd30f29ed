"""Scheduled syncs against the database: a run killed mid-way is found and retried after its
backoff; a connector that keeps failing is paused and its partner and admins are told; a
schedule change takes effect without a restart."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import responses
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.dispatch import ThreadPoolDispatcher
from hub.monitoring.health import HealthService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog
from hub.scheduling.scheduler import Scheduler
from hub.scheduling.schedules import ScheduleService
from hub.settings import Settings
from hub.store.models import ConnectorEvent, ConnectorInstance, Run, ScheduleSlot

WEBHOOK = "http://hooks.test/hub"
DOWN = "http://down.test"


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def add_connector(
    sessions: sessionmaker[Session], settings: Settings, base_url: str, code: str = "lpk-s"
) -> int:
    with sessions.begin() as session:
        PartnerService(session).create(
            {
                "kind": "training_provider",
                "code": code,
                "name": "LPK S",
                "contact": {"name": "Sari", "email": "sari@lpk.example.id"},
            }
        )
        config = catalog_connector_config(base_url, 10)
        config["http"] = {"max_retries": 0}
        return (
            ConnectorService(session)
            .add(code, "json_api", config, sealer=ConfigSealer(settings))
            .id
        )


def runs_of(sessions: sessionmaker[Session], connector_id: int) -> list[Run]:
    with sessions() as session:
        return list(
            session.scalars(select(Run).where(Run.connector_id == connector_id).order_by(Run.id))
        )


def hub_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_SECRET_KEY": settings.secret_key,
        **extra,
    }


@pytest.fixture
def tuned(settings: Settings) -> Settings:
    """Settings with no wait before a retry, and pauses after three failures."""
    return dataclasses.replace(
        settings,
        retry_backoff_seconds=0,
        max_failures=3,
        notify_webhook_url=WEBHOOK,
        admin_contacts=("ops@prakerja.example.id",),
        heartbeat_seconds=0.2,
    )


@pytest.fixture
def dispatcher(sessions: sessionmaker[Session], tuned: Settings) -> Iterator[ThreadPoolDispatcher]:
    dispatcher = ThreadPoolDispatcher(sessions, tuned)
    yield dispatcher
    dispatcher.close()


def test_a_run_killed_mid_way_is_marked_failed_and_retried_after_its_backoff(
    sessions: sessionmaker[Session], settings: Settings, tuned: Settings
) -> None:
    second_page_asked = threading.Event()
    release = threading.Event()

    def gate(page: int) -> None:
        if page == 2 and not release.is_set():
            second_page_asked.set()
            release.wait(timeout=60)

    with serve_catalog(CatalogSource(25), gate=gate) as base_url:
        connector_id = add_connector(sessions, settings, base_url)
        child = subprocess.Popen(
            [sys.executable, "-m", "hub", "connectors", "run", str(connector_id), "--json"],
            env=hub_env(settings, HUB_BATCH_SIZE="10"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            while not second_page_asked.wait(timeout=0.05):
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
            wait_until(lambda: runs_of(sessions, connector_id)[0].created == 10)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            release.set()
        [killed] = runs_of(sessions, connector_id)
        assert killed.status == "running"

        # A scheduler whose backoff has not passed marks the run failed but does not retry yet.
        patient = ThreadPoolDispatcher(sessions, settings)
        try:
            Scheduler(sessions, settings, patient).poll()
        finally:
            patient.close()
        [killed] = runs_of(sessions, connector_id)
        assert (killed.status, killed.error_code) == ("failed", "abandoned")
        assert killed.error_message == f"worker {killed.worker} stopped mid-run"

        eager = ThreadPoolDispatcher(sessions, tuned)
        try:
            Scheduler(sessions, tuned, eager).poll()
            assert eager.wait_idle(timeout=60)
        finally:
            eager.close()

    killed, retry = runs_of(sessions, connector_id)
    assert killed.status == "failed"
    assert (retry.trigger, retry.status) == ("retry", "succeeded")
    assert (retry.created, retry.unchanged) == (15, 0)  # resumed after the committed page
    with sessions() as session:
        slot = session.scalars(select(ScheduleSlot)).one()
        assert (slot.kind, slot.run_id) == ("retry", retry.id)


def test_a_connector_that_keeps_failing_is_paused_and_its_partner_and_admins_are_told(
    sessions: sessionmaker[Session],
    tuned: Settings,
    dispatcher: ThreadPoolDispatcher,
    settings: Settings,
) -> None:
    connector_id = add_connector(sessions, settings, DOWN)
    scheduler = Scheduler(sessions, tuned, dispatcher)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{DOWN}/courses", status=503, body="down for maintenance")
        hook = mock.post(WEBHOOK, status=204)

        dispatcher.submit(connector_id, "courses", trigger="manual")
        assert dispatcher.wait_idle(timeout=30)

        def paused() -> bool:
            scheduler.poll()
            assert dispatcher.wait_idle(timeout=30)
            with sessions() as session:
                return session.get_one(ConnectorInstance, connector_id).status == "paused"

        wait_until(paused)
        scheduler.poll()  # a paused connector is neither retried nor told about twice
        assert dispatcher.wait_idle(timeout=30)

    runs = runs_of(sessions, connector_id)
    assert [(r.trigger, r.status) for r in runs] == [
        ("manual", "failed"),
        ("retry", "failed"),
        ("retry", "failed"),
    ]
    assert hook.call_count == 1
    notice = json.loads(hook.calls[0].request.body)
    assert notice["event"] == "connector.paused"
    assert notice["connector"]["id"] == connector_id
    assert notice["partner"]["code"] == "lpk-s"
    assert notice["failures"] == 3
    assert notice["last_error"]["run_id"] == runs[-1].id
    assert notice["last_error"]["code"] == "source_unavailable"
    assert notice["recipients"] == {
        "partner": {"name": "Sari", "email": "sari@lpk.example.id", "phone": None},
        "admins": ["ops@prakerja.example.id"],
    }
    with sessions.begin() as session:
        assert HealthService(session).connector(connector_id).state == "paused"
        assert ScheduleService(session).resume(connector_id)
    with sessions() as session:
        health = HealthService(session).connector(connector_id)
        assert (health.state, health.failure_streak) == ("failing", 0)
        events = session.scalars(
            select(ConnectorEvent.event).where(ConnectorEvent.connector_id == connector_id)
        ).all()
        assert events == ["paused", "resumed"]


def test_a_schedule_change_takes_effect_without_a_restart(
    sessions: sessionmaker[Session],
    tuned: Settings,
    settings: Settings,
) -> None:
    quick = dataclasses.replace(tuned, scheduler_poll_seconds=0.1)
    with serve_catalog(CatalogSource(5)) as base_url:
        connector_id = add_connector(sessions, settings, base_url)
        with sessions.begin() as session:
            ScheduleService(session).set(connector_id, cron="0 0 1 1 *")  # once a year
        dispatcher = ThreadPoolDispatcher(sessions, quick)
        scheduler = Scheduler(sessions, quick, dispatcher)
        scheduler.start()
        try:
            wait_until(lambda: connector_id in scheduler.jobs())
            assert "cron" in scheduler.jobs()[connector_id]
            with sessions.begin() as session:
                ScheduleService(session).set(connector_id, interval_seconds=1)
            wait_until(
                lambda: any(r.status == "succeeded" for r in runs_of(sessions, connector_id))
            )
            with sessions.begin() as session:
                ScheduleService(session).pause(connector_id, "maintenance")
            wait_until(lambda: connector_id not in scheduler.jobs())
        finally:
            scheduler.stop()
            dispatcher.close()
    assert {r.trigger for r in runs_of(sessions, connector_id)} == {"schedule"}


def test_two_schedulers_racing_run_each_due_slot_exactly_once(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with serve_catalog(CatalogSource(5)) as base_url:
        connector_id = add_connector(sessions, settings, base_url)
        with sessions.begin() as session:
            ScheduleService(session).set(connector_id, interval_seconds=1)
        env = hub_env(settings, HUB_SCHEDULER_POLL_SECONDS="0.2")
        schedulers = [
            subprocess.Popen(
                [sys.executable, "-m", "hub", "scheduler"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:

            def slots() -> int:
                for child in schedulers:
                    assert child.poll() is None, child.stderr.read() if child.stderr else ""
                with sessions() as session:
                    return session.scalar(select(func.count()).select_from(ScheduleSlot)) or 0

            wait_until(lambda: slots() >= 6, timeout=60)
        finally:
            for child in schedulers:
                child.send_signal(signal.SIGTERM)
            logs = [child.communicate(timeout=60)[1] for child in schedulers]

    with sessions() as session:
        claimed = session.scalars(select(ScheduleSlot).order_by(ScheduleSlot.due_at)).all()
        runs = session.scalars(select(Run).where(Run.trigger == "schedule")).all()
    assert sorted(s.run_id for s in claimed if s.run_id) == sorted(r.id for r in runs)
    assert len(runs) >= 4
    dues = [s.due_at for s in claimed]
    assert all((b - a).total_seconds() >= 1 for a, b in itertools.pairwise(dues))
    # Both processes fired each slot: one queued its run, the other found it claimed.
    lost = [
        json.loads(line)
        for text in logs
        for line in text.splitlines()
        if "claimed by another scheduler" in line
    ]
    assert lost
    assert {s.claimed_by for s in claimed} <= {
        f"{socket.gethostname()}:{c.pid}" for c in schedulers
    }
