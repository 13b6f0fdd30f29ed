"""One measured sync, in a fresh process: `python -m bench.sync_once --backend B --n N --source URL
--result FILE`.

Sets up a fresh database, migrates it, registers a declarative connector for the source, runs the
first sync and then an unchanged re-sync, and writes what it measured to FILE as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from bench.cpu import process_cpu, server_cpu
from bench.database import BACKENDS, fresh_database
from bench.memory import TreeRssSampler, peak_rss_kib
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import catalog_connector_config
from hub.settings import load_settings
from hub.store.db import make_engine, session_factory
from hub.store.migrate import upgrade
from hub.store.models import Run
from hub.sync.runner import SyncRunner

STREAM = "courses"
PARTNER = {"kind": "training_provider", "code": "lpk-bench", "name": "LPK Bench"}
#: Error messages are cut to this many characters.
MESSAGE_LIMIT = 300
COUNTS = ("records_read", "created", "updated", "unchanged", "deleted", "rejected")


def describe(run: Run, seconds: float, cpu: tuple[float, float | None]) -> dict[str, Any]:
    """A finished run as JSON: wall seconds, CPU seconds (this process, and the database
    server's or None), status, error and counts."""
    described: dict[str, Any] = {
        "seconds": seconds,
        "cpu_seconds": cpu[0],
        "server_cpu_seconds": cpu[1],
        "status": run.status,
        "error_code": run.error_code,
        "error_message": run.error_message,
    }
    described.update({name: getattr(run, name) for name in COUNTS})
    return described


Timed = tuple[Run, float, tuple[float, float | None]]


def timed(runner: SyncRunner, connector_id: int, engine: Engine, profile: Path | None) -> Timed:
    """Run the stream once: the run, its wall seconds (`perf_counter`) and CPU seconds (this
    process; the database server's, or None). Under cProfile when `profile` is set."""
    profiler = cProfile.Profile() if profile is not None else None
    server_start = server_cpu(engine)
    cpu_start = process_cpu()
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    try:
        run = runner.run(connector_id, STREAM)
    finally:
        if profiler is not None:
            profiler.disable()
    seconds = time.perf_counter() - start
    cpu = process_cpu() - cpu_start
    server_end = server_cpu(engine)
    server = None if server_start is None or server_end is None else server_end - server_start
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
    return run, seconds, (cpu, server)


# Two named functions, so a sampling profiler's stacks tell the first sync from the re-sync.
def first_sync(
    runner: SyncRunner, connector_id: int, engine: Engine, profile: Path | None
) -> Timed:
    """The first sync of the catalog into an empty store."""
    return timed(runner, connector_id, engine, profile)


def resync(runner: SyncRunner, connector_id: int, engine: Engine, profile: Path | None) -> Timed:
    """The re-sync of the unchanged catalog."""
    return timed(runner, connector_id, engine, profile)


def measure(
    backend: str,
    size: int,
    source: str,
    page_size: int,
    cprofile_dir: Path | None,
    repeat: int = 1,
) -> dict[str, Any]:
    """Set up a fresh database and connector, run both syncs, `repeat` times over; return what
    was measured: each phase as its median run (by wall time), every run's seconds beside it
    (`<phase>_seconds`), and the peak RSS over all runs."""
    result: dict[str, Any] = {"backend": backend, "n": size, "page_size": page_size}
    measured: dict[str, list[dict[str, Any]]] = {"first": [], "resync": []}
    with TreeRssSampler() as sampler:
        for _ in range(repeat):
            for phase, run in _measure_once(backend, size, source, page_size, cprofile_dir):
                measured[phase].append(run)
                result[f"rss_{phase}_kib"] = peak_rss_kib()
                result[f"tree_rss_{phase}_kib"] = sampler.peak()
    for phase, runs in measured.items():
        if runs:
            by_time = sorted(runs, key=lambda run: float(run["seconds"]))
            # A run that failed shows: it is never hidden behind a median.
            failed = [run for run in runs if run["status"] != "succeeded"]
            result[phase] = failed[0] if failed else by_time[len(by_time) // 2]
            result[f"{phase}_seconds"] = [run["seconds"] for run in runs]
    return result


def _measure_once(
    backend: str, size: int, source: str, page_size: int, cprofile_dir: Path | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """A fresh database and connector, then each phase: (phase, what was measured)."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        database_url = fresh_database(backend, Path(tmp))
        settings = load_settings(
            {"data_dir": tmp, "database_url": database_url, "secret_key": "bench"}, environ={}
        )
        engine = make_engine(settings.database_url)
        try:
            upgrade(engine)
            sessions = session_factory(engine)
            with sessions.begin() as session:
                PartnerService(session).create(PARTNER)
                config = catalog_connector_config(source, page_size=page_size)
                connector_id = (
                    ConnectorService(session)
                    .add(PARTNER["code"], "declarative", config, sealer=ConfigSealer(settings))
                    .id
                )
            runner = SyncRunner(sessions, settings)
            phases: tuple[tuple[str, Callable[..., Timed]], ...] = (
                ("first", first_sync),
                ("resync", resync),
            )
            for phase, sync in phases:
                profile = cprofile_dir / f"{backend}-{size}-{phase}.prof" if cprofile_dir else None
                run, seconds, cpu = sync(runner, connector_id, engine, profile)
                yield phase, describe(run, seconds, cpu)
                if run.status != "succeeded":
                    break
        finally:
            engine.dispose()


def main() -> None:
    """Measure one backend and size; write the JSON result; exit 1 when something raised."""
    parser = argparse.ArgumentParser(description="One measured first sync and re-sync.")
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--n", type=int, required=True, help="courses the source serves")
    parser.add_argument("--source", required=True, help="the catalog's base URL")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON")
    parser.add_argument("--cprofile", type=Path, help="directory for cProfile stats per phase")
    parser.add_argument("--repeat", type=int, default=1, help="runs of both syncs; medians")
    args = parser.parse_args()
    try:
        result = measure(
            args.backend, args.n, args.source, args.page_size, args.cprofile, args.repeat
        )
        code = 0
    except Exception as error:
        traceback.print_exc()
        # The first line only: a database error's text goes on with the statement and its values.
        reason = (
            f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}"
        )
        result = {"backend": args.backend, "n": args.n, "error": reason[:MESSAGE_LIMIT]}
        code = 1
    args.result.write_bytes(orjson.dumps(result))
    sys.exit(code)


if __name__ == "__main__":
    main()
