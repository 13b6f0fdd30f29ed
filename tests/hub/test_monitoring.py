"""Monitoring: connector health states, the runs list and run detail, Prometheus metrics and
JSON logs bound to runs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import responses
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.dispatch import ThreadPoolDispatcher
from hub.errors import InvalidInput
from hub.monitoring.health import HealthService
from hub.monitoring.logs import JsonFormatter, RunContextFilter, bind_run
from hub.monitoring.metrics import init_app
from hub.monitoring.runs import RunFilter, RunMonitor, run_detail_as_dict
from hub.partners.services import PartnerService
from hub.sandbox.catalog import catalog_connector_config, course
from hub.scheduling.schedules import ScheduleService
from hub.settings import Settings
from hub.store.models import ConnectorInstance, Run

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BASE = "http://provider.test"


def add_connector(session: Session, settings: Settings, code: str) -> int:
    PartnerService(session).create({"kind": "training_provider", "code": code, "name": code})
    config = catalog_connector_config(BASE, 10)
    config["http"] = {"max_retries": 0}
    return ConnectorService(session).add(code, "json_api", config, sealer=ConfigSealer(settings)).id


def add_run(
    session: Session,
    connector_id: int,
    status: str,
    finished: datetime,
    *,
    read: int = 10,
    rejected: int = 0,
    trigger: str = "schedule",
) -> Run:
    run = Run(
        connector_id=connector_id,
        stream="courses",
        trigger=trigger,
        mode="full_refresh",
        status=status,
        created_at=finished - timedelta(minutes=1),
        started_at=finished - timedelta(minutes=1),
        finished_at=finished,
        records_read=read,
        rejected=rejected,
    )
    session.add(run)
    session.flush()
    return run


def test_health_says_fresh_late_failing_paused_or_never_and_the_rejected_rate(
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    with sessions.begin() as session:
        ids = {name: add_connector(session, settings, name) for name in
               ("fresh", "late", "failing", "paused", "never", "manual")}  # fmt: skip
        for name in ("fresh", "late", "failing", "paused", "never"):
            ScheduleService(session).set(ids[name], interval_seconds=3600)
        add_run(session, ids["fresh"], "succeeded", NOW - timedelta(minutes=90))
        add_run(session, ids["fresh"], "partial", NOW - timedelta(minutes=30))
        add_run(session, ids["late"], "succeeded", NOW - timedelta(hours=3))
        add_run(session, ids["failing"], "succeeded", NOW - timedelta(minutes=70))
        add_run(session, ids["failing"], "failed", NOW - timedelta(minutes=10))
        add_run(session, ids["paused"], "succeeded", NOW - timedelta(minutes=5))
        ScheduleService(session).pause(ids["paused"], "maintenance")
        # Twelve runs: the two oldest, full of rejections, fall outside the quality window.
        for n in range(12):
            bad = 100 if n < 2 else (3 if n % 2 else 1)
            add_run(session, ids["manual"], "partial", NOW - timedelta(days=12 - n),
                    read=100, rejected=bad)  # fmt: skip

    with sessions() as session:
        by_id = {h.connector_id: h for h in HealthService(session).overview(now=NOW)}
    health = {name: by_id[connector_id] for name, connector_id in ids.items()}
    assert {name: health[name].state for name in ids} == {
        "fresh": "fresh",
        "late": "late",
        "failing": "failing",
        "paused": "paused",
        "never": "never",
        "manual": "fresh",
    }
    assert health["failing"].failure_streak == 1
    assert health["fresh"].seconds_since_success == 30 * 60
    assert health["never"].last_success_at is None
    assert health["manual"].rejected_rate == pytest.approx(20 / 1000)
    assert health["fresh"].rejected_rate == 0
    assert health["never"].rejected_rate is None
    assert health["fresh"].next_due_at is not None
    assert health["fresh"].next_due_at > NOW


def test_the_runs_list_filters_and_pages_newest_first_without_gaps_or_repeats(
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    with sessions.begin() as session:
        first = add_connector(session, settings, "lpk-one")
        second = add_connector(session, settings, "lpk-two")
        for n in range(40):
            status = "failed" if n % 3 == 0 else "succeeded"
            trigger = "api" if n % 5 == 0 else "schedule"
            connector_id = first if n % 2 else second
            add_run(session, connector_id, status, NOW - timedelta(hours=40 - n), trigger=trigger)
        partner_id = session.get_one(ConnectorInstance, first).partner_id

    with sessions() as session:
        monitor = RunMonitor(session)
        seen: list[Run] = []
        cursor = None
        while True:
            page = monitor.list(RunFilter(partner_id=partner_id), limit=7, cursor=cursor)
            seen.extend(page.runs)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        failed_api = monitor.list(RunFilter(status="failed", trigger="api"), limit=100).runs
        window = monitor.list(
            RunFilter(since=NOW - timedelta(hours=10, minutes=30), until=NOW), limit=100
        ).runs

    assert len(seen) == 20
    assert all(r.connector_id == first for r in seen)
    assert [r.id for r in seen] == sorted((r.id for r in seen), reverse=True)
    assert {(r.status, r.trigger) for r in failed_api} == {("failed", "api")}
    assert len(failed_api) == len([n for n in range(40) if n % 3 == 0 and n % 5 == 0])
    assert len(window) == 10


@pytest.mark.parametrize(
    ("where", "limit", "cursor", "field"),
    [
        (RunFilter(status="exploded"), 10, None, "status"),
        (RunFilter(trigger="cron"), 10, None, "trigger"),
        (RunFilter(since=NOW, until=NOW - timedelta(hours=1)), 10, None, "until"),
        (RunFilter(since=datetime(2026, 1, 1)), 10, None, "since"),
        (RunFilter(), 0, None, "limit"),
        (RunFilter(), 10, "abc", "cursor"),
    ],
)
def test_a_bad_runs_filter_is_refused_naming_the_field(
    sessions: sessionmaker[Session], where: RunFilter, limit: int, cursor: str | None, field: str
) -> None:
    with sessions() as session, pytest.raises(InvalidInput) as error:
        RunMonitor(session).list(where, limit=limit, cursor=cursor)
    assert list(error.value.errors) == [field]


@pytest.fixture
def catalog() -> Iterator[responses.RequestsMock]:
    records = [course(i) for i in range(6)]
    records[2]["harga"] = "gratis?"  # not a price: quarantined
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:

        def page(request: Any) -> tuple[int, dict[str, str], str]:
            number = int(request.params["page"])
            chunk = records[(number - 1) * 10 : number * 10]
            return 200, {}, orjson.dumps({"data": chunk}).decode()

        mock.add_callback(responses.GET, f"{BASE}/courses", callback=page)
        yield mock


def test_run_detail_has_its_log_lines_and_rejected_records_and_logs_are_json_lines(
    sessions: sessionmaker[Session], settings: Settings, catalog: responses.RequestsMock
) -> None:
    with sessions.begin() as session:
        connector_id = add_connector(session, settings, "lpk-log")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RunContextFilter())
    logging.getLogger("hub").addHandler(handler)
    dispatcher = ThreadPoolDispatcher(sessions, settings)
    try:
        run = dispatcher.submit(connector_id, "courses", trigger="api")
        assert dispatcher.wait_idle(timeout=30)
    finally:
        dispatcher.close()
        logging.getLogger("hub").removeHandler(handler)

    with sessions() as session:
        detail = run_detail_as_dict(RunMonitor(session).detail(run.id))
    assert detail["status"] == "partial"
    assert detail["counts"]["rejected"] == 1
    assert detail["duration_seconds"] >= 0
    assert detail["rejections"]["total"] == 1
    assert "price_idr" in detail["rejections"]["first"][0]["errors"]
    messages = [line["message"] for line in detail["log"]]
    assert messages[0] == f"run {run.id} starting"
    assert messages[-1].startswith(f"run {run.id} partial: read 6, created 5")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line["run_id"] == run.id]
    assert mine
    assert {line["partner_id"] for line in mine} == {detail["partner_id"]}
    assert set(mine[0]) >= {"ts", "level", "logger", "message", "run_id", "partner_id"}


def test_logs_never_carry_a_nik(sessions: sessionmaker[Session]) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RunContextFilter())
    logger = logging.getLogger("hub.test")
    logger.addHandler(handler)
    try:
        with bind_run(7, "partner-x"):
            logger.warning("participant 3174012345678901 rejected")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "participant [redacted] rejected"
    assert (line["run_id"], line["partner_id"]) == (7, "partner-x")


def test_metrics_show_runs_by_status_connector_health_and_request_latency_by_endpoint(
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    with sessions.begin() as session:
        connector_id = add_connector(session, settings, "lpk-metrics")
        add_run(session, connector_id, "succeeded", NOW)
        add_run(session, connector_id, "failed", NOW)
        add_run(session, connector_id, "failed", NOW)
    app = Flask(__name__)
    app.add_url_rule("/api/v1/courses/<course_id>", "course", lambda course_id: {"id": course_id})
    init_app(app, sessions)
    client = app.test_client()

    assert client.get("/api/v1/courses/abc").status_code == 200
    answer = client.get("/metrics")

    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert 'hub_runs{status="failed"} 2.0' in text
    assert 'hub_runs{status="succeeded"} 1.0' in text
    assert 'hub_connectors{state="failing"} 1.0' in text
    assert (
        'hub_http_request_duration_seconds_count{endpoint="/api/v1/courses/<course_id>",'
        'method="GET",status="200"}'
    ) in text
    assert "hub_connector_seconds_since_success{" in text
