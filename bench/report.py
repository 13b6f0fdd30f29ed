"""What the runs measured, checked for correct counts, against the targets, as a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: First-sync records/s each backend should reach.
RATE_TARGETS = {"sqlite": 30_000.0, "postgresql": 25_000.0}
#: How much faster than the first sync an unchanged re-sync should be.
RESYNC_SPEEDUP = 3.0
#: Peak RSS at the large N over peak RSS at the small N, at most.
RSS_GROWTH = 1.2
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
            *_wrong(self.result.get("first"), "first sync", created=self.n, rejected=0),
            *_wrong(
                self.result.get("resync"),
                "re-sync",
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

    def rss_mib(self, phase: str) -> float:
        """Peak RSS in MiB when `phase` had finished."""
        return self.result[f"rss_{phase}_kib"] / 1024


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
        "RSS first MiB",
        "RSS end MiB",
    )
    lines: list[tuple[str, ...]] = [header]
    failures = []
    for row in rows:
        name = NAMES.get(row.backend, row.backend)
        if row.error is not None:
            lines.append((name, f"{row.n:,}", "FAILED", "", "", f"{row.limit:,.0f}", "", "", ""))
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
                f"{row.rss_mib('first'):.1f}",
                f"{row.rss_mib('resync'):.1f}",
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
    return "\n".join(text + [f"FAILED {failure}" for failure in failures])


def verdicts(rows: Sequence[Measured], n: int, small_n: int | None) -> list[Verdict]:
    """Each target checked against the runs at `n` (and `small_n` for memory)."""
    good = {(row.backend, row.n): row for row in rows if row.error is None}
    found = []
    for backend, target in RATE_TARGETS.items():
        name = NAMES[backend]
        row = good.get((backend, n))
        found.append(
            Verdict(
                f"{name} first sync >= {target:,.0f} records/s (N={n:,})",
                f"{row.rate('first'):,.0f}/s" if row else "not measured",
                row.rate("first") >= target if row else None,
            )
        )
    for backend in RATE_TARGETS:
        name = NAMES[backend]
        row = good.get((backend, n))
        found.append(
            Verdict(
                f"{name} unchanged re-sync >= {RESYNC_SPEEDUP:.0f}x faster than first (N={n:,})",
                f"{row.speedup:.1f}x" if row else "not measured",
                row.speedup >= RESYNC_SPEEDUP if row else None,
            )
        )
    big = good.get(("sqlite", n))
    small = good.get(("sqlite", small_n)) if small_n is not None else None
    rss_target = (
        f"SQLite peak RSS(N={n:,}) <= {RSS_GROWTH}x RSS(N={small_n or 0:,})"
        if small_n
        else f"SQLite peak RSS <= {RSS_GROWTH}x the RSS at N/10 (not run)"
    )
    if big is not None and small is not None:
        growth = big.rss_mib("first") / small.rss_mib("first")
        measured = f"{big.rss_mib('first'):.1f} / {small.rss_mib('first'):.1f} MiB = {growth:.2f}x"
        found.append(Verdict(rss_target, measured, growth <= RSS_GROWTH))
    else:
        found.append(Verdict(rss_target, "not measured", None))
    return found


def verdict_lines(found: Sequence[Verdict]) -> str:
    """The verdicts as aligned lines: mark, target, measured."""
    width = max(len(v.target) for v in found)
    return "\n".join(f"{v.mark:4s}  {v.target.ljust(width)}  {v.measured}" for v in found)
