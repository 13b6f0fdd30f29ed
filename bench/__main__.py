"""`python -m bench`: first sync and unchanged re-sync of N courses into SQLite and PostgreSQL,
beside the fetch+parse limit and a reference connector framework measured in the same run; then
the validator's fast path.

Exits 0 when targets are missed (it reports, it does not gate), 1 when a sync fails or its counts
are wrong.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.database import BACKENDS
from bench.fetch import fetch_parse_rate
from bench.profiling import (
    THREADS,
    WORKERS,
    cprofile_hotspots,
    hotspot_lines,
    py_spy,
    py_spy_command,
    py_spy_hotspots,
)
from bench.reference import Reference, reference_rate
from bench.report import (
    NAMES,
    Measured,
    reference_lines,
    spread_lines,
    table,
    verdict_lines,
    verdicts,
)
from bench.runs import run_child
from bench.source import source_process

QUICK_N = 10_000


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="courses to sync (default 100,000)")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument(
        "--quick", action="store_true", help=f"N={QUICK_N:,} only, no memory comparison"
    )
    parser.add_argument("--page-size", type=int, default=1000, help="per_page (at most 5000)")
    parser.add_argument(
        "--profile",
        choices=["py-spy", "cprofile"],
        help="also profile one more sync at N and print its hotspots",
    )
    parser.add_argument(
        "--profile-backend", choices=BACKENDS, default="sqlite", help="the backend to profile"
    )
    parser.add_argument("--top", type=int, default=15, help="hotspots to print per phase")
    parser.add_argument("--no-schemas", action="store_true", help="skip the validator section")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the reference (singer-sdk reading the same source, in .venv-reference)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each sync, on a fresh database each; the table shows the median (default 3)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.page_size <= 5000:
        parser.error("--page-size: the source serves 1 to 5000 records a page")
    if args.n < 1:
        parser.error("--n: at least 1")
    if args.repeat < 1:
        parser.error("--repeat: at least 1")
    return args


def plan(args: argparse.Namespace) -> tuple[int, int | None, list[tuple[str, int]]]:
    """The large N, the small N of the memory comparison (or None), and the (backend, N) runs."""
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    if args.quick:
        return QUICK_N, None, [(backend, QUICK_N) for backend in backends]
    n = args.n
    runs = [(backend, n) for backend in backends]
    small_n = n // 10 if "sqlite" in backends and n >= 10 else None
    if small_n is not None:
        runs.append(("sqlite", small_n))
    return n, small_n, runs


def note(message: str) -> None:
    """Progress, on stderr, so stdout holds the results only."""
    print(message, file=sys.stderr, flush=True)


def profile(args: argparse.Namespace, n: int, source: str) -> str:
    """One more sync at `n` on the profiled backend; its hotspots per phase as text."""
    backend = args.profile_backend
    with tempfile.TemporaryDirectory(prefix="hub-bench-profile-") as tmp:
        out = Path(tmp)
        spy = py_spy() if args.profile == "py-spy" else None
        if args.profile == "py-spy" and spy is None:
            note("py-spy is not installed (pip install py-spy); profiling with cProfile")
        if spy is not None:
            prefix = py_spy_command(spy, out / "raw.txt")
            result = run_child(backend, n, source, args.page_size, prefix=prefix)
            tool = "py-spy (wall time, idle included)"
        else:
            result = run_child(backend, n, source, args.page_size, cprofile_dir=out)
            tool = "cProfile"
        if "error" in result:
            return f"profiled run failed: {result['error']}"
        phases = [("first", "first sync"), ("resync", "unchanged re-sync")]
        if spy is not None:
            phases.append((THREADS, "the sync process's other threads, all phases"))
            phases.append((WORKERS, "worker processes, all phases"))
        sections = []
        for phase, label in phases:
            if spy is not None:
                hotspots = py_spy_hotspots(out / "raw.txt", phase)
            else:
                hotspots = cprofile_hotspots(out / f"{backend}-{n}-{phase}.prof")
            heading = (
                f"Hotspots, {NAMES[backend]} N={n:,} {label} ({tool}); "
                "self% and total% of the phase"
            )
            if hotspots:
                sections.append(f"{heading}\n{hotspot_lines(hotspots, args.top)}")
        return "\n\n".join(sections)


def measure_reference(source: str, page_size: int, n: int, repeat: int) -> Reference | None:
    """The reference framework's records/s on `source`, or None (and why, on stderr)."""
    note(f"  reference: singer-sdk reading the same source, {repeat} run(s)...")
    try:
        found = reference_rate(source, page_size, n, repeat)
    except (RuntimeError, OSError) as error:
        note(f"    reference not measured: {error}")
        return None
    note(f"    singer-sdk {found.version}: {found.rate:,.0f} records/s")
    return found


def schemas_section() -> str:
    """The validator's records/s, fast path vs marshmallow, from `bench.bench_schemas`."""
    try:
        import random

        from bench import bench_schemas

        rng = random.Random(20240601)
        lines = ["Validator: fast path vs marshmallow (2,000 valid records, best of 5 rounds)"]
        for entity, generate in bench_schemas.GENERATORS.items():
            records = [generate(rng, index) for index in range(2000)]
            slow, fast = bench_schemas.measure(entity, records, 5)
            lines.append(
                f"  {entity:12s} marshmallow {slow:9,.0f}/s   fast path {fast:9,.0f}/s"
                f"   {fast / slow:4.1f}x"
            )
        return "\n".join(lines)
    except (Exception, SystemExit) as error:
        reason = f"{type(error).__name__}: {error}"
        return f"Validator: fast path vs marshmallow: not measured ({reason})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table and verdicts; the exit status."""
    args = parse_args(argv)
    n, small_n, runs = plan(args)
    rows: list[Measured] = []
    hotspots = ""
    reference: Reference | None = None
    for size in sorted({size for _, size in runs}, reverse=True):
        with source_process(size, args.page_size) as source:
            note(f"source N={size:,} warmed, at {source}")
            limit = fetch_parse_rate(source, args.page_size, size)
            note(f"  fetch+parse limit {limit:,.0f} records/s")
            if size == n and not args.no_reference:
                reference = measure_reference(source, args.page_size, size, args.repeat)
            for backend, _ in (run for run in runs if run[1] == size):
                note(f"  {NAMES[backend]} N={size:,}: first sync and re-sync...")
                result = run_child(backend, size, source, args.page_size, repeat=args.repeat)
                row = Measured(backend, size, limit, result)
                note(f"    {(row.error or 'done').splitlines()[0]}")
                rows.append(row)
            if args.profile and size == n:
                name = NAMES[args.profile_backend]
                note(f"  profiling {name} N={size:,} with {args.profile}...")
                hotspots = profile(args, n, source)
    rows.sort(key=lambda row: (row.n != n, BACKENDS.index(row.backend), -row.n))
    print(f"\nSync benchmark: page size {args.page_size}, source in its own process on 127.0.0.1")
    print(table(rows))
    print(spread_lines(rows))
    print("\nTargets (reported, not gated):")
    print(verdict_lines(verdicts(rows, n, small_n)))
    if reference is not None:
        print(f"\n{reference_lines(rows, n, reference)}")
    if hotspots:
        print(f"\n{hotspots}")
    if not args.no_schemas:
        print(f"\n{schemas_section()}")
    failed = [row for row in rows if row.error is not None]
    if failed:
        print(f"\n{len(failed)} run(s) failed or counted wrong: exit 1", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
