"""Server time of the monitoring queries with 185 connectors and 100,000 runs.

Run from the repository root: `.venv/bin/python -m bench.bench_monitoring [--backend both]`.

Generates the connectors (most on a schedule, a few paused) and their runs — mostly succeeded,
some partial or failed, with counters — then times, as the median of `--rounds`, the dashboard
overview (every connector's health), the runs list's first page unfiltered and filtered, a page
deep in the list, and one run's detail. Target for the overview: under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, make_url, select, text
from sqlalchemy.orm import Session

from bench.database import ADMIN_DATABASE, POSTGRES_URL
from hub.monitoring.health import HealthService
from hub.monitoring.runs import RunFilter, RunMonitor
from hub.sandbox.catalog import catalog_connector_config
from hub.store.db import make_engine, session_factory
from hub.store.ids import partner_id
from hub.store.migrate import upgrade
from hub.store.models import ConnectorInstance, ConnectorSchedule, Partner, Run

OVERVIEW_TARGET_MS = 100.0
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def database(backend: str, data_dir: Path) -> str:
    """A new empty database: a file in `data_dir`, or `hub_bench_monitoring` made anew."""
    if backend == "sqlite":
        return f"sqlite:///{data_dir / 'hub.db'}"
    url = make_url(POSTGRES_URL).set(database="hub_bench_monitoring")
    admin = make_engine(url.set(database=ADMIN_DATABASE).render_as_string(False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def populate(session: Session, connectors: int, runs: int) -> None:
    """`connectors` providers with a connector each, and `runs` runs spread over them."""
    config = catalog_connector_config("http://127.0.0.1:9", 100)
    partners, instances, schedules = [], [], []
    for n in range(connectors):
        code = f"lpk-{n:03d}"
        partners.append({"id": partner_id(code), "kind": "training_provider", "code": code,
                         "name": f"LPK {n}", "status": "active", "created_at": NOW,
                         "updated_at": NOW})  # fmt: skip
        instances.append({"id": n + 1, "partner_id": partner_id(code), "name": "json_api",
                          "type": "json_api", "config": config, "timezone": "Asia/Jakarta",
                          "status": "paused" if n % 37 == 0 else "active", "created_at": NOW,
                          "updated_at": NOW})  # fmt: skip
        if n % 10:
            schedules.append({"connector_id": n + 1, "interval_seconds": 1800 * (1 + n % 4),
                              "cron": None, "jitter_seconds": 60, "updated_at": NOW})  # fmt: skip
    session.execute(insert(Partner), partners)
    session.execute(insert(ConnectorInstance), instances)
    session.execute(insert(ConnectorSchedule), schedules)
    batch: list[dict[str, Any]] = []
    for n in range(runs):
        finished = NOW - timedelta(minutes=(runs - n) * 0.5)
        status = "failed" if n % 23 == 0 else "partial" if n % 7 == 0 else "succeeded"
        batch.append({"connector_id": 1 + n % connectors, "stream": "courses",
                      "trigger": "schedule" if n % 5 else "api", "mode": "incremental",
                      "status": status, "created_at": finished - timedelta(minutes=3),
                      "started_at": finished - timedelta(minutes=3), "finished_at": finished,
                      "heartbeat_at": finished, "worker": "bench:1", "records_read": 1000,
                      "created": 10, "updated": 5, "unchanged": 980, "deleted": 0,
                      "rejected": 5 if status == "partial" else 0,
                      "error_code": "source_unavailable" if status == "failed" else None,
                      "error_message": "HTTP 503" if status == "failed" else None,
                      "full_refresh": False})  # fmt: skip
        if len(batch) == 5000:
            session.execute(insert(Run), batch)
            batch = []
    if batch:
        session.execute(insert(Run), batch)


def median_ms(call: Callable[[], object], rounds: int) -> float:
    """The median wall time of `call`, in milliseconds, after one warm-up call."""
    call()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(backend: str, connectors: int, runs: int, rounds: int) -> dict[str, float]:
    """Median milliseconds of each monitoring query on one backend."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(database(backend, Path(tmp)))
        upgrade(engine)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            populate(session, connectors, runs)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        with sessions() as session:
            monitor = RunMonitor(session)
            deep = monitor.list(RunFilter(), limit=50, cursor=str(runs // 2)).runs
            some_run = deep[0].id
            partner = session.scalar(select(Partner.id).limit(1))
            since = NOW - timedelta(days=7)
            queries: dict[str, Callable[[], object]] = {
                "dashboard overview (health of every connector)":
                    lambda: HealthService(session).overview(now=NOW),
                "runs list, first page": lambda: monitor.list(RunFilter(), limit=50),
                "runs list, failed only": lambda: monitor.list(RunFilter(status="failed")),
                "runs list, one partner": lambda: monitor.list(RunFilter(partner_id=partner)),
                "runs list, one partner's failed last week": lambda: monitor.list(
                    RunFilter(partner_id=partner, status="failed", since=since)
                ),
                "runs list, page at the middle": lambda: monitor.list(
                    RunFilter(), limit=50, cursor=str(runs // 2)
                ),
                "run detail": lambda: monitor.detail(some_run),
            }  # fmt: skip
            results = {name: median_ms(call, rounds) for name, call in queries.items()}
        engine.dispose()
    return results


def main() -> None:
    """Measure and print a table per backend."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--connectors", type=int, default=185)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        results = measure(backend, args.connectors, args.runs, args.rounds)
        print(f"\n{backend}: {args.connectors} connectors, {args.runs:,} runs "
              f"(median of {args.rounds})")  # fmt: skip
        for name, ms in results.items():
            print(f"  {name:<48} {ms:8.2f} ms")
        overview = results["dashboard overview (health of every connector)"]
        verdict = "meets" if overview < OVERVIEW_TARGET_MS else "MISSES"
        print(f"  overview {verdict} the {OVERVIEW_TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
