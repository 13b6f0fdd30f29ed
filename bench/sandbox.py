"""`python -m bench.sandbox [--scale N]`: a full sync of the partner sandbox (180 providers and
5 payment partners in nine styles) into a fresh SQLite database, then an unchanged re-sync.

The sandbox runs in its own process (`python -m bench.sandbox --serve`), so serving pages never
shares a GIL with the sync; its CPU time is reported beside the sync's wall time, to show it
was not the limit. Prints wall time, records/s and peak RSS of the syncing process; exits 1
when a stream fails or the counts differ from what the sandbox says they must be.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.child import announce, serving_child
from hub.connections.secrets import ConfigSealer
from hub.sandbox import expected
from hub.sandbox.population import DEFAULT_SCALE, MIN_SCALE, World, build_world
from hub.sandbox.registration import Registered, register_sandbox, sync_registered
from hub.sandbox.server import Sandbox, serve_sandbox
from hub.settings import load_settings
from hub.store.db import make_engine, session_factory
from hub.store.migrate import upgrade
from hub.store.models import Run
from hub.sync.runner import SyncRunner


def serve(seed: int, scale: int) -> None:
    """Serve the sandbox until stdin closes (the child's side)."""
    with serve_sandbox(Sandbox(build_world(seed, scale))) as url:
        announce(url)
        sys.stdin.read()


@contextmanager
def sandbox_process(seed: int, scale: int) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The sandbox in a child process; yields its URL and the process."""
    arguments = ["-m", "bench.sandbox", "--serve", "--seed", str(seed), "--scale", str(scale)]
    with serving_child(arguments, "the sandbox") as served:
        yield served


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wrong_counts(world: World, runs: Sequence[tuple[Registered, str, Run]]) -> list[str]:
    """What differs between the runs and what the sandbox says a first sync must find."""
    counts, malformed = expected.counts(world), expected.malformed(world)
    problems = []
    for entry, stream, run in runs:
        code = entry.partner_code
        bad = len(malformed.get(code, {}).get(stream, {}))
        served = counts[code][stream]
        got = (run.records_read, run.created, run.rejected)
        if got != (served, served - bad, bad):
            problems.append(
                f"{code} {stream}: read/created/rejected {got}, want "
                f"{(served, served - bad, bad)}; {run.error_message}"
            )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.sandbox", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="records in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale < MIN_SCALE:
        parser.error(f"--scale: at least {MIN_SCALE:,}")
    if args.serve:
        serve(args.seed, args.scale)
        return 0
    world = build_world(args.seed, args.scale)
    total = sum(world.totals().values())
    with tempfile.TemporaryDirectory(prefix="hub-bench-sandbox-") as tmp:
        settings = load_settings(
            {"data_dir": tmp, "database_url": f"sqlite:///{tmp}/hub.db", "secret_key": "bench"},
            environ={},
        )
        engine = make_engine(settings.database_url)
        upgrade(engine)
        sessions = session_factory(engine)
        runner = SyncRunner(sessions, settings)
        with sandbox_process(args.seed, args.scale) as (url, child):
            with sessions.begin() as session:
                registered = register_sandbox(session, world, url, ConfigSealer(settings))
            served_before = cpu_seconds(child.pid)
            started = time.perf_counter()
            runs = sync_registered(runner, registered)
            first = time.perf_counter() - started
            served_first = cpu_seconds(child.pid) - served_before
            rss_first = peak_rss_mib()
            started = time.perf_counter()
            sync_registered(runner, registered)
            again = time.perf_counter() - started
        engine.dispose()
    problems = wrong_counts(world, runs)
    print(
        f"Sandbox sync benchmark: seed {args.seed}, {len(world.partners)} partners, "
        f"{total:,} records ({', '.join(f'{v:,} {k}' for k, v in world.totals().items())}), SQLite"
    )
    print(
        f"  first sync        {first:8.1f} s  {total / first:9,.0f} records/s  "
        f"peak RSS {rss_first:,.0f} MiB  (sandbox CPU {served_first:.1f} s)"
    )
    print(
        f"  unchanged re-sync {again:8.1f} s  {total / again:9,.0f} records/s  "
        f"peak RSS {peak_rss_mib():,.0f} MiB"
    )
    for problem in problems[:20]:
        print(f"  WRONG: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
