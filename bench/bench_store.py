"""CPU per record of the record store alone: a first sync's writes and an unchanged re-sync's
lookups, without fetching or normalizing.

Run from the repository root:
`.venv/bin/python -m bench.bench_store --backend sqlite|postgresql [--n N] [--batch B]`.

The records are the sandbox catalog's courses, normalized once up front the way a sync does. Each
round stores them into a fresh database as the sync's writer does: `unchanged_by_hash` a page at
a time, `upsert` and `mark_seen` of a full-refresh sweep a batch at a time (a commit each); then
re-syncs them unchanged and completes the sweep. It reports CPU µs per record of this process
and, on PostgreSQL, of the server's backends; the best round of each counts, so a busy machine
disturbs it less.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bench.cpu import process_cpu, server_cpu
from bench.database import BACKENDS, fresh_database
from connectors.mapping import compile_mapping
from hub.sandbox.catalog import COURSE_MAPPING, course
from hub.store.db import make_engine, session_factory
from hub.store.migrate import upgrade
from hub.store.models import ConnectorInstance, Partner, Run
from hub.store.records import NormalizedRecord, RecordStore, forget_sweep
from hub.store.types import utcnow
from hub.sync.hashing import RawHasher, canonical
from hub.sync.normalize import RecordNormalizer
from schemas import Normalizer

PARTNER_ID = "00000000-0000-5000-8000-00000000beef"
#: Records a page of the source holds: the runner looks up raw hashes a page at a time.
PAGE = 1000
#: (client, server or None, wall) seconds of one phase.
Cost = tuple[float, float | None, float]


def normalized_courses(n: int) -> tuple[list[NormalizedRecord], list[str]]:
    """The catalog's first `n` courses as a sync hands them to the store, and their raw hashes."""
    normalize = RecordNormalizer(
        compile_mapping(COURSE_MAPPING),
        Normalizer("course", nik_key=b"bench-store-nik-key-0000"),
        "course",
        PARTNER_ID,
    )
    hash_raw = RawHasher(b"bench-store-raw-hash-key", b"fingerprint")
    records, hashes = [], []
    for index in range(n):
        raw = course(index)
        raw_json = canonical(raw)
        raw_hash = hash_raw(raw_json)
        outcome = normalize(raw, raw_json, raw_hash)
        assert isinstance(outcome, NormalizedRecord), outcome
        records.append(outcome)
        hashes.append(raw_hash)
    return records, hashes


def _setup(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        now = utcnow()
        session.add(
            Partner(id=PARTNER_ID, kind="training_provider", code="bench", name="Bench",
                    created_at=now, updated_at=now)
        )  # fmt: skip
        session.flush()  # no relationship orders the two inserts
        connector = ConnectorInstance(
            partner_id=PARTNER_ID, name="bench", type="declarative", config={}
        )
        session.add(connector)
        session.flush()
        return connector.id


def _run(sessions: sessionmaker[Session], connector_id: int) -> int:
    """A run row for a sync's changes to name (each change checks it exists)."""
    with sessions.begin() as session:
        # Finished already: a stream has one active run at most, and each phase makes one.
        run = Run(
            connector_id=connector_id,
            stream="courses",
            trigger="manual",
            mode="full_refresh",
            status="succeeded",
        )
        session.add(run)
        session.flush()
        return run.id


def _sync(
    sessions: sessionmaker[Session],
    connector_id: int,
    records: Sequence[NormalizedRecord],
    hashes: Sequence[str],
    batch: int,
) -> None:
    """One full-refresh sync of `records` the way the runner drives the store."""
    sweep_id, started = str(uuid.uuid4()), utcnow()
    run_id = _run(sessions, connector_id)
    with sessions() as session:
        store = RecordStore(session, "course", PARTNER_ID, connector_id)
        written = 0
        for start in range(0, len(records), batch):
            known: dict[str, str] = {}
            for page in range(start, min(start + batch, len(records)), PAGE):
                known.update(store.unchanged_by_hash(hashes[page : page + PAGE]))
            valid = [r for r in records[start : start + batch] if r.raw_hash not in known]
            result = store.upsert(valid, run_id)
            written += result.created + result.updated
            store.mark_seen(sweep_id, [*known.values(), *result.existing_ids])
            session.commit()
        written += store.delete_unseen(sweep_id, started, run_id)
        forget_sweep(session, sweep_id)
        store.refresh_statistics(written)
        session.commit()


def _timed(engine: Engine, run: Callable[[], None]) -> Cost:
    server_start = server_cpu(engine)
    cpu_start, wall_start = process_cpu(), time.perf_counter()
    run()
    cpu, wall = process_cpu() - cpu_start, time.perf_counter() - wall_start
    server_end = server_cpu(engine)
    server = None if server_start is None or server_end is None else server_end - server_start
    return cpu, server, wall


def measure(backend: str, n: int, batch: int, rounds: int) -> dict[str, Cost]:
    """The best (least CPU) cost of each phase over `rounds` rounds, each in a fresh database."""
    records, hashes = normalized_courses(n)
    best: dict[str, Cost] = {}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="hub-bench-store-") as tmp:
            engine = make_engine(fresh_database(backend, Path(tmp)))
            try:
                upgrade(engine)
                sessions = session_factory(engine)
                sync = functools.partial(_sync, sessions, _setup(sessions), records, hashes, batch)
                for phase in ("first", "resync"):
                    cost = _timed(engine, sync)
                    if phase not in best or _cpu(cost) < _cpu(best[phase]):
                        best[phase] = cost
            finally:
                engine.dispose()
    return best


def _cpu(cost: Cost) -> float:
    return cost[0] + (cost[1] or 0.0)


def main() -> None:
    """Print the store's CPU µs per record for a first sync and an unchanged re-sync."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--n", type=int, default=50_000, help="courses to store")
    parser.add_argument("--batch", type=int, default=5000, help="records per commit")
    parser.add_argument("--rounds", type=int, default=3, help="fresh databases, best counts")
    args = parser.parse_args()
    best = measure(args.backend, args.n, args.batch, args.rounds)
    print(f"{args.backend} N={args.n:,} batch {args.batch:,}, best of {args.rounds} rounds")
    for phase, (client, server, wall) in best.items():
        per = 1e6 / args.n
        on_server = "" if server is None else f" + server {server * per:5.1f}"
        print(
            f"  {phase:7s} CPU us/rec client {client * per:5.1f}{on_server}"
            f"   wall {wall * per:5.1f} us/rec"
        )


if __name__ == "__main__":
    main()
