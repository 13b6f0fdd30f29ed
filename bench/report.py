"""What the runs measured, checked for correct counts, against the targets, as a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.reference import Reference

#: First-sync records/s each backend should reach.
RATE_TARGETS = {"sqlite": 30_000.0, "postgresql": 25_000.0}
#: How much faster than the first sync an unchanged re-sync should be.
RESYNC_SPEEDUP = 3.0
#: Peak RSS at the large N over peak RSS at the small N, at most.
RSS_GROWTH = 1.2
#: What the issue says the well-known Python connector frameworks do on this machine (records/s,
#: neither validating nor storing): the yardstick behind `RATE_TARGETS`.
FRAMEWORK_RATES = (10_000.0, 12_000.0)
LEGEND = (
    "Each sync runs --repeat times, on a fresh database each time: rates and CPU are the median\n"
    "run's (by wall time); every run's rate follows the table.\n"
    "first/limit: first sync records/s over the fetch+parse limit. CPU us/rec: CPU time per\n"
    "record of the sync process, + that of the PostgreSQL backends serving it (steadier than\n"
    "records/s when other work shares the cores). RSS proc: ru_maxrss of the sync process\n"
    "up to the last first sync. RSS tree: peak sampled RSS of the sync process plus any\n"
    "worker processes during the first sync; tree at end: the same peak up to the re-sync's end."
)
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Measured:
    """One child's result (see `bench.sync_once`) beside the fetch+parse limit of its source."""

    backend: str
    n: int
    limit: float
    result: dict[str, Any]

    @property
    def error(self) -> str | None:
        """Why the run cannot be counted: it raised, failed, or its counts are wrong."""
        if "error" in self.result:
            return str(self.result["error"])
        problems = [
            *_wrong(
                self.result.get("first"),
                "first sync",
                records_read=self.n,
                created=self.n,
                updated=0,
                deleted=0,
                rejected=0,
            ),
            *_wrong(
                self.result.get("resync"),
                "re-sync",
                records_read=self.n,
                unchanged=self.n,
                created=0,
                updated=0,
                deleted=0,
                rejected=0,
            ),
        ]
        return "; ".join(problems) or None

    def rate(self, phase: str) -> float:
        """Records/s of `phase` ("first" or "resync")."""
        return self.n / self.result[phase]["seconds"]

    @property
    def speedup(self) -> float:
        """How many times faster the re-sync was than the first sync."""
        return self.rate("resync") / self.rate("first")

    def cpu_us(self, phase: str) -> str:
        """CPU microseconds per record of `phase`: the sync process's, and "+ server" when the
        database server's was measured."""
        run = self.result[phase]
        if run.get("cpu_seconds") is None:
            return "n/a"
        own = f"{1e6 * run['cpu_seconds'] / self.n:.1f}"
        server = run.get("server_cpu_seconds")
        return own if server is None else f"{own} + {1e6 * server / self.n:.1f}"

    def rss_mib(self, phase: str) -> float:
        """The sync process's peak RSS (`ru_maxrss`) in MiB when `phase` had finished."""
        return self.result[f"rss_{phase}_kib"] / 1024

    def tree_rss_mib(self, phase: str) -> float:
        """The peak RSS of the sync process and its workers, in MiB, up to the end of `phase`."""
        return self.result[f"tree_rss_{phase}_kib"] / 1024


def _wrong(run: dict[str, Any] | None, label: str, **expected: int) -> list[str]:
    if run is None:
        return [f"{label}: did not run"]
    if run["status"] != "succeeded":
        return [f"{label}: {run['status']} ({run['error_code']}: {run['error_message']})"]
    wrong = [f"{key} {run[key]} != {value}" for key, value in expected.items() if run[key] != value]
    return [f"{label}: {', '.join(wrong)}"] if wrong else []


@dataclass(frozen=True)
class Verdict:
    """One target: what it asks, what was measured, and whether it was met (None: not run)."""

    target: str
    measured: str
    passed: bool | None

    @property
    def mark(self) -> str:
        """PASS, MISS, or n/a."""
        return {True: "PASS", False: "MISS", None: "n/a"}[self.passed]


def table(rows: Sequence[Measured]) -> str:
    """The measurements as an aligned text table; a failed run shows its error instead."""
    header = (
        "backend",
        "N",
        "first rec/s",
        "re-sync rec/s",
        "speed-up",
        "fetch+parse rec/s",
        "first/limit",
        "first CPU us/rec",
        "re-sync CPU us/rec",
        "RSS proc MiB",
        "RSS tree MiB",
        "tree at end",
    )
    lines: list[tuple[str, ...]] = [header]
    failures = []
    for row in rows:
        name = NAMES.get(row.backend, row.backend)
        if row.error is not None:
            lines.append((name, f"{row.n:,}", "FAILED", "", "", f"{row.limit:,.0f}", *[""] * 6))
            failures.append(f"{name} N={row.n:,}: {row.error}")
            continue
        lines.append(
            (
                name,
                f"{row.n:,}",
                f"{row.rate('first'):,.0f}",
                f"{row.rate('resync'):,.0f}",
                f"{row.speedup:.1f}x",
                f"{row.limit:,.0f}",
                f"{100 * row.rate('first') / row.limit:.0f}%",
                row.cpu_us("first"),
                row.cpu_us("resync"),
                f"{row.rss_mib('first'):.1f}",
                f"{row.tree_rss_mib('first'):.1f}",
                f"{row.tree_rss_mib('resync'):.1f}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text + ["", LEGEND] + [f"FAILED {failure}" for failure in failures])


def spread_lines(rows: Sequence[Measured]) -> str:
    """Every run's records/s, per backend, size and phase: how much the machine moved them."""
    lines = []
    for row in rows:
        if row.error is not None:
            continue
        for phase, label in (("first", "first"), ("resync", "re-sync")):
            rates = [
                f"{row.n / seconds:,.0f}" for seconds in row.result.get(f"{phase}_seconds", [])
            ]
            lines.append(
                f"  {NAMES.get(row.backend, row.backend)} N={row.n:,} {label}: {', '.join(rates)}"
            )
    return "Every run, records/s:\n" + "\n".join(lines)


def verdicts(rows: Sequence[Measured], n: int, small_n: int | None) -> list[Verdict]:
    """Each target checked against the runs at `n` (and `small_n` for memory)."""
    good = {(row.backend, row.n): row for row in rows if row.error is None}
    failed = {(row.backend, row.n) for row in rows if row.error is not None}

    def missing(*keys: tuple[str, int | None]) -> str:
        return "run failed" if failed.intersection(keys) else "not measured"

    found = []
    for backend, target in RATE_TARGETS.items():
        row = good.get((backend, n))
        found.append(
            Verdict(
                f"{NAMES[backend]} first sync >= {target:,.0f} records/s (N={n:,})",
                f"{row.rate('first'):,.0f}/s" if row else missing((backend, n)),
                row.rate("first") >= target if row else None,
            )
        )
    for backend in RATE_TARGETS:
        row = good.get((backend, n))
        found.append(
            Verdict(
                f"{NAMES[backend]} unchanged re-sync >= {RESYNC_SPEEDUP:.0f}x faster than first "
                f"(N={n:,})",
                f"{row.speedup:.1f}x" if row else missing((backend, n)),
                row.speedup >= RESYNC_SPEEDUP if row else None,
            )
        )
    if small_n is None:
        rss_target = f"SQLite peak RSS <= {RSS_GROWTH}x the RSS at N/10"
        found.append(Verdict(rss_target, "not run", None))
        return found
    big, small = good.get(("sqlite", n)), good.get(("sqlite", small_n))
    for label, rss in (("proc", Measured.rss_mib), ("tree", Measured.tree_rss_mib)):
        rss_target = f"SQLite peak RSS {label}(N={n:,}) <= {RSS_GROWTH}x (N={small_n:,})"
        if big is None or small is None:
            found.append(Verdict(rss_target, missing(("sqlite", n), ("sqlite", small_n)), None))
            continue
        large, base = rss(big, "first"), rss(small, "first")
        measured = f"{large:.1f} / {base:.1f} MiB = {large / base:.2f}x"
        found.append(Verdict(rss_target, measured, large / base <= RSS_GROWTH))
    return found


def verdict_lines(found: Sequence[Verdict]) -> str:
    """The verdicts as aligned lines: mark, target, measured."""
    width = max(len(v.target) for v in found)
    return "\n".join(f"{v.mark:4s}  {v.target.ljust(width)}  {v.measured}" for v in found)


def reference_lines(rows: Sequence[Measured], n: int, reference: Reference) -> str:
    """Each first sync at `n` as a multiple of the reference, beside the multiple its target
    asks for (the target over what the issue says such frameworks do here)."""
    runs = ", ".join(f"{rate:,.0f}" for rate in reference.rates)
    lines = [
        f"Reference: singer-sdk {reference.version} reads the same pages (N={n:,}), conforming",
        "each record to its stream's schema, neither validating nor storing:",
        f"  {reference.rate:,.0f} records/s (median; runs: {runs})",
    ]
    low, high = FRAMEWORK_RATES
    for backend, target in RATE_TARGETS.items():
        row = next((r for r in rows if (r.backend, r.n) == (backend, n) and r.error is None), None)
        if row is None:
            continue
        rate = row.rate("first")
        lines.append(
            f"  {NAMES[backend] + ' first sync':22s} {rate:8,.0f}/s = {rate / reference.rate:.1f}x"
            f" the reference (the target asks {target / high:.1f}-{target / low:.1f}x)"
        )
    return "\n".join(lines)
