"""`python -m bench.api_throughput`: requests/s and p99 of `GET /api/v1/courses?limit=100` with
a valid token, beside a static JSON page of the same size served by the same app in the same run.

The hub runs under gunicorn with 2 workers on 127.0.0.1; the load generator is Debian's `wrk`
(`apt-get install wrk`): written in C, so the generator is not what limits the rates compared.
Target: the API page at least half the static page's requests/s.

Exits 0 when the target is missed (it reports, it does not gate), 1 when a run fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response

#: The file the static page's bytes are kept in, in the data dir.
STATIC_FILE = "static-page.json"
STATIC_PATH = "/bench/static-page"
API_PATH = "/api/v1/courses?limit=100"
TARGET = 0.5


def bench_app() -> Flask:
    """The hub's app plus one static route answering the pre-rendered bytes of a courses page
    (gunicorn loads it as `bench.api_throughput:bench_app()`)."""
    from hub.app import create_app
    from hub.settings import load_settings

    app = create_app()
    body = (load_settings().data_dir / STATIC_FILE).read_bytes()

    @app.get(STATIC_PATH)
    def static_page() -> Response:
        return Response(body, mimetype="application/json")

    return app


@dataclass(frozen=True)
class Load:
    """What wrk measured for one URL."""

    requests_per_second: float
    p99_ms: float
    non_2xx: int


def prepare(env: dict[str, str], courses: int) -> tuple[str, int]:
    """A migrated hub with `courses` courses pushed by a provider; a platform's access token,
    and the size of one API page (whose bytes become the static page)."""
    os.environ.update(env)
    from hub.app import create_app
    from hub.auth.clients import ClientService
    from hub.auth.keys import SigningKeyService
    from hub.ingest.services import IngestService
    from hub.partners.services import PartnerService
    from hub.settings import load_settings
    from hub.store.db import make_engine, session_factory
    from hub.store.migrate import upgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        SigningKeyService(session, settings).ensure()
        provider = (
            PartnerService(session)
            .create({"kind": "training_provider", "code": "lpk-bench", "name": "LPK Bench"})
            .id
        )
        platform = (
            PartnerService(session)
            .create({"kind": "platform", "code": "toko-bench", "name": "Toko Bench"})
            .id
        )
        issued = ClientService(session).create(["catalog:read"], platform)
        client_id, secret = issued.client.client_id, issued.client_secret
    for start in range(0, courses, 1000):
        with sessions.begin() as session:
            records = [_course(n) for n in range(start, min(start + 1000, courses))]
            IngestService(session, settings).push(provider, "courses", records, f"b-{start}")
    engine.dispose()

    client = create_app().test_client()
    answer = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret or "")
    )
    token = str(answer.get_json()["access_token"])
    page = client.get(API_PATH, headers={"Authorization": f"Bearer {token}"})
    if page.status_code != 200:
        raise RuntimeError(f"GET {API_PATH} answered {page.status_code}: {page.text[:200]}")
    (settings.data_dir / STATIC_FILE).write_bytes(page.data)
    return token, len(page.data)


def _course(n: int) -> dict[str, Any]:
    return {
        "external_id": f"K-{n:06d}",
        "title": f"Pemasaran Digital untuk UMKM {n}",
        "description": "Belajar pemasaran digital: media sosial, iklan, dan toko daring.",
        "category": "Pemasaran",
        "delivery_mode": "webinar",
        "duration_hours": 16,
        "price_idr": 1_500_000,
        "occupation_codes": ["2431"],
        "kkni_level": 4,
        "skills": ["pemasaran digital", "media sosial"],
        "url": f"https://lpk.example/kursus/{n}",
        "schedules": [
            {
                "schedule_code": f"J-{n}-1",
                "starts_at": "2026-05-04T09:00:00",
                "ends_at": "2026-05-08T12:00:00",
                "quota": 150,
            }
        ],
    }


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int) -> Iterator[str]:
    """The bench app under gunicorn on 127.0.0.1:`port`, until the block ends."""
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
        f"127.0.0.1:{port}", "--log-level", "warning", "bench.api_throughput:bench_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_listening(port, process)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)  # gunicorn gives no readiness signal but its open port
    raise RuntimeError("gunicorn did not start listening within 60 s")


def wrk(url: str, token: str, seconds: int, connections: int) -> Load:
    """Run wrk against `url` with the bearer token; its requests/s and p99."""
    output = subprocess.run(
        ["wrk", "--threads", "2", "--connections", str(connections), "--duration",
         f"{seconds}s", "--latency", "--header", f"Authorization: Bearer {token}", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if rate is None or p99 is None:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return Load(
        float(rate.group(1)), float(p99.group(1)) * scale, int(non_2xx.group(1)) if non_2xx else 0
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.api_throughput", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--courses", type=int, default=5000, help="courses stored (default 5,000)")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure both pages, alternating, and print the best round of each and the ratio."""
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="hub-api-bench-") as tmp:
        env = {
            "HUB_DATA_DIR": tmp,
            "HUB_DATABASE_URL": args.database_url or f"sqlite:///{Path(tmp) / 'hub.db'}",
            "HUB_SECRET_KEY": "bench-api-throughput",
            # The per-client limit would cap the rate measured: lift it for the bench.
            "HUB_RATE_LIMIT": "100000000/minute",
        }
        token, size = prepare(env, args.courses)
        results: dict[str, list[Load]] = {"static": [], "api": []}
        with gunicorn(env, free_port(), args.workers) as base:
            for _ in range(args.rounds):
                for name, path in (("static", STATIC_PATH), ("api", API_PATH)):
                    results[name].append(wrk(base + path, token, args.seconds, args.connections))
    best = {
        name: max(loads, key=lambda load: load.requests_per_second)
        for name, loads in results.items()
    }
    if any(load.non_2xx for loads in results.values() for load in loads):
        print(f"non-2xx answers during the runs: {results}", file=sys.stderr)
        return 1
    ratio = best["api"].requests_per_second / best["static"].requests_per_second
    backend = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    print(f"API throughput: gunicorn {args.workers} workers, wrk {args.connections} connections, "
          f"{args.courses:,} courses on {backend}, page {size:,} bytes")  # fmt: skip
    for name, label in (("static", "static JSON page"), ("api", f"GET {API_PATH}")):
        load = best[name]
        print(f"  {label:<34} {load.requests_per_second:>9,.0f} req/s   p99 {load.p99_ms:7.1f} ms")
    verdict = "PASS" if ratio >= TARGET else "MISS"
    print(f"  API / static: {ratio:.2f} (target >= {TARGET:.2f}) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
