"""Prometheus metrics.

Two kinds: what a process observes itself (runs it finished, their records and durations; API
request latency by endpoint) in `prometheus_client`'s default registry, and what the database
knows (runs by status, connectors by health, each connector's time since its last success),
read by `DatabaseCollector` at each scrape, so that any web process reports the same figures
whichever process ran the syncs.

`init_app(app, sessions)` wires both into a Flask app: request latency hooks and `GET /metrics`.
`hub scheduler --metrics-port` serves the process's own on a port of its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.store.models import Run

RUNS_FINISHED = Counter(
    "hub_runs_finished", "Runs this process executed, by final status.", ["status", "trigger"]
)
RUN_RECORDS = Counter(
    "hub_run_records",
    "Records met by runs this process executed, by outcome.",
    ["outcome"],
)
RUN_DURATION = Histogram(
    "hub_run_duration_seconds",
    "Wall time of runs this process executed, from start to finish.",
    ["status"],
    buckets=(1, 5, 15, 60, 300, 900, 1800, 3600, 7200, float("inf")),
)
REQUEST_LATENCY = Histogram(
    "hub_http_request_duration_seconds",
    "API request latency by endpoint (the URL rule, not the path).",
    ["method", "endpoint", "status"],
)
OUTCOMES = ("created", "updated", "unchanged", "deleted", "rejected")


def observe_run(run: Run) -> None:
    """Count a finished run: its status, its records by outcome, its duration."""
    RUNS_FINISHED.labels(run.status, run.trigger).inc()
    for outcome in OUTCOMES:
        RUN_RECORDS.labels(outcome).inc(getattr(run, outcome))
    if run.started_at is not None and run.finished_at is not None:
        seconds = (run.finished_at - run.started_at).total_seconds()
        RUN_DURATION.labels(run.status).observe(seconds)


class DatabaseCollector(Collector):
    """Reads the run and connector figures from the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        """Runs by status; connectors by health state; seconds since each connector's last
        success."""
        from hub.monitoring.health import HealthService

        with self.sessions() as session:
            by_status = session.execute(select(Run.status, func.count()).group_by(Run.status))
            runs = GaugeMetricFamily(
                "hub_runs", "Runs in the database by status.", labels=["status"]
            )
            for status, count in by_status:
                runs.add_metric([status], count)
            yield runs
            health = HealthService(session).overview()
        states = GaugeMetricFamily(
            "hub_connectors", "Connectors by health state.", labels=["state"]
        )
        counted: dict[str, int] = {}
        for item in health:
            counted[item.state] = counted.get(item.state, 0) + 1
        for state, count in sorted(counted.items()):
            states.add_metric([state], count)
        yield states
        age = GaugeMetricFamily(
            "hub_connector_seconds_since_success",
            "Seconds since the connector's last successful run (absent: never).",
            labels=["connector_id", "partner_id", "state"],
        )
        for item in health:
            if item.seconds_since_success is not None:
                age.add_metric(
                    [str(item.connector_id), item.partner_id, item.state],
                    item.seconds_since_success,
                )
        yield age


def database_registry(sessions: sessionmaker[Session]) -> CollectorRegistry:
    """A registry holding the database figures, to expose beside the process's own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(sessions))
    return registry


def init_app(app: Any, sessions: sessionmaker[Session]) -> None:
    """Measure every request of a Flask app by endpoint, and serve `GET /metrics` (the
    process's metrics and the database's)."""
    from flask import Response, g, request

    from_db = database_registry(sessions)

    @app.before_request
    def _start_timer() -> None:
        g.hub_request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Any) -> Any:
        started = g.pop("hub_request_started", None)
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
            REQUEST_LATENCY.labels(request.method, endpoint, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response

    def metrics() -> Any:
        body = generate_latest(REGISTRY) + generate_latest(from_db)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
