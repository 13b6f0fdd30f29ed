"""`python -m bench.dashboard`: server time of the admin dashboard's pages with 185 connectors
and 100,000 runs stored, on SQLite and PostgreSQL, and the query plans behind them.

Each page is requested in-process through the WSGI app (a signed-in admin's session), so the time
is the server's: routing, queries, templates. Target: overview median under 100 ms. Reports; does
not gate.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from bench.database import BACKENDS, fresh_database
from hub.admin.accounts import AdminService
from hub.admin.blueprint import DISPATCHER
from hub.app import create_app
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import catalog_connector_config
from hub.scheduling.schedules import ScheduleService
from hub.settings import Settings, load_settings
from hub.store.db import make_engine, session_factory
from hub.store.migrate import upgrade
from hub.store.models import Run
from hub.store.types import utcnow

TARGET_MS = 100.0
EMAIL, PASSWORD = "bench@prakerja.go.id", "bench password 123"
#: Outcomes of seeded runs, with their weights.
OUTCOMES = (("succeeded", 85), ("partial", 7), ("failed", 6), ("cancelled", 2))


def seed(
    sessions: sessionmaker[Session], settings: Settings, connectors: int, runs: int
) -> list[int]:
    """`connectors` partners with one connector each (half on an hourly schedule), and `runs`
    runs spread over the last 30 days; the newest run of every tenth connector failed. Returns
    the connector ids."""
    rng = random.Random(5)
    sealer = ConfigSealer(settings)
    with sessions.begin() as session:
        AdminService(session).create(EMAIL, PASSWORD)
        ids = []
        for i in range(connectors):
            code = f"lpk-{i:03d}"
            PartnerService(session).create(
                {"kind": "training_provider", "code": code, "name": f"LPK Bench {i:03d}"}
            )
            config = catalog_connector_config(f"http://127.0.0.1:9/{code}")
            cid = ConnectorService(session).add(code, "json_api", config, sealer=sealer).id
            if i % 2:
                ScheduleService(session).set(cid, interval_seconds=3600, jitter_seconds=60)
            ids.append(cid)
    now = utcnow()
    statuses = [s for s, w in OUTCOMES for _ in range(w)]
    rows = []
    for n in range(runs):
        cid = ids[n % connectors]
        age = timedelta(minutes=(runs - n) * 30 * 24 * 60 / runs)
        last = n >= runs - connectors
        status = "failed" if last and ids.index(cid) % 10 == 0 else rng.choice(statuses)
        read = rng.randrange(50, 500)
        rows.append(
            {
                "connector_id": cid, "stream": "courses", "trigger": "schedule",
                "mode": "incremental", "status": status, "created_at": now - age,
                "started_at": now - age, "finished_at": now - age + timedelta(seconds=40),
                "records_read": read, "created": read // 10, "updated": read // 20,
                "unchanged": read - read // 10 - read // 20,
                "rejected": read // 25 if status == "partial" else 0,
                "error_code": "source_unavailable" if status == "failed" else None,
                "error_message": "connection failed" if status == "failed" else None,
            }
        )  # fmt: skip
    with sessions.begin() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Run), rows[start : start + 5000])
    return ids


def signed_in(client: FlaskClient) -> None:
    page = client.get("/admin/sign-in").get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    token = page[page.index(marker) + len(marker) :].split('"')[0]
    answer = client.post(
        "/admin/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.status_code


def time_page(client: FlaskClient, path: str, repeat: int) -> tuple[float, float]:
    """Median and 95th percentile server time of GET `path`, in ms."""
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, path
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def plans(engine: Engine, backend: str, connector_id: int, run_id: int) -> list[str]:
    """The plans of the dashboard's heaviest queries, for reading: one line per step."""
    from hub.monitoring.health import _health_query

    health = _health_query()
    compiled = health.compile(engine, compile_kwargs={"literal_binds": True})
    queries = {
        "health (overview)": str(compiled),
        "runs page": "SELECT * FROM runs ORDER BY id DESC LIMIT 51",
        "runs of a connector": f"SELECT * FROM runs WHERE connector_id = {connector_id} "
        f"AND id < {run_id} ORDER BY id DESC LIMIT 51",
        "runs by status": f"SELECT * FROM runs WHERE status = 'failed' AND id < {run_id} "
        "ORDER BY id DESC LIMIT 51",
    }
    prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
    lines = []
    with engine.connect() as conn:
        for name, sql in queries.items():
            lines.append(f"  {name}:")
            for row in conn.execute(text(prefix + sql)):
                lines.append("    " + str(row[-1]))
    return lines


def bench(backend: str, connectors: int, runs: int, repeat: int, data_dir: Path) -> bool:
    url = fresh_database(backend, data_dir)
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    settings: Settings = load_settings(
        {"data_dir": data_dir, "database_url": url, "secret_key": "bench"}, environ={}
    )
    started = time.perf_counter()
    ids = seed(sessions, settings, connectors, runs)
    print(f"[{backend}] seeded {connectors} connectors, {runs:,} runs "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    if backend == "postgresql":
        # As autovacuum would have by now on a live database: plans need table statistics.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    app = create_app({"HUB_SETTINGS": settings})
    client = app.test_client()
    signed_in(client)
    with engine.connect() as conn:
        deep = conn.execute(text("SELECT min(id) + 100 FROM runs")).scalar_one()
    pages = {
        "overview /admin/": "/admin/",
        "overview, search": "/admin/?q=lpk-01&sort=streak",
        "runs, first page": "/admin/runs",
        "runs, deep page": f"/admin/runs?before={deep}",
        "runs, failed only": "/admin/runs?status=failed",
        "connector": f"/admin/connectors/{ids[0]}",
        "run detail": f"/admin/runs/{deep}",
    }
    ok = True
    print(f"\n{backend}: {connectors} connectors, {runs:,} runs; server time, ms")
    print(f"  {'page':24} {'median':>8} {'p95':>8}")
    for name, path in pages.items():
        median, p95 = time_page(client, path, repeat)
        flag = ""
        if name.startswith("overview /admin/"):
            ok = median < TARGET_MS
            flag = f"  target < {TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'}"
        print(f"  {name:24} {median:8.1f} {p95:8.1f}{flag}")
    print(f"\n  query plans ({backend}):")
    print("\n".join(plans(engine, backend, ids[0], deep)))
    app.extensions[DISPATCHER].close()
    app.extensions["hub"].engine.dispose()
    engine.dispose()
    return ok


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__)
    parser.add_argument("--connectors", type=int, default=185)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    args = parser.parse_args(argv)
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            bench(backend, args.connectors, args.runs, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
