"""Hotspots of a profiled sync: from py-spy's raw stacks or from cProfile's stats.

py-spy samples from outside the process (low overhead, wall time with `--idle`); its stacks are
split into the first sync and the re-sync by the `first_sync` / `resync` frames of
`bench.sync_once`. cProfile is the fallback when py-spy is not installed.
"""

from __future__ import annotations

import pstats
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PHASES = {"first": "first_sync", "resync": "resync"}


@dataclass(frozen=True)
class Hotspot:
    """A function and its share of the phase's time: in itself and including what it calls."""

    function: str
    self_share: float
    total_share: float


def py_spy() -> str | None:
    """The py-spy executable beside this interpreter, or on PATH; None when not installed."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def py_spy_command(executable: str, output: Path) -> list[str]:
    """The py-spy prefix that records raw stacks of the command after it, idle time included."""
    return [executable, "record", "--format", "raw", "--idle", "--nolineno", "--rate", "200",
            "--output", str(output), "--"]  # fmt: skip


def _frame_name(frame: str) -> str:
    """`func (path/module.py)` → `module.py:func`."""
    function, _, where = frame.rpartition(" (")
    return f"{where.rstrip(')').rsplit('/', 1)[-1]}:{function}" if function else frame


def py_spy_hotspots(raw: Path, phase: str, top: int) -> list[Hotspot]:
    """The `top` functions by self time in `phase` ("first" or "resync") of a raw py-spy file."""
    marker = PHASES[phase] + " ("
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if not count_text.isdigit() or not any(f.startswith(marker) for f in frames):
            continue
        count = int(count_text)
        samples += count
        names = [_frame_name(f) for f in frames]
        own[names[-1]] += count
        for name in set(names):
            total[name] += count
    if not samples:
        return []
    return [
        Hotspot(name, count / samples, total[name] / samples)
        for name, count in own.most_common(top)
    ]


def cprofile_hotspots(stats_file: Path, top: int) -> list[Hotspot]:
    """The `top` functions by self time in a cProfile stats file."""
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    whole = sum(entry[2] for entry in stats.values()) or 1.0
    ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return [
        Hotspot(f"{Path(file).name}:{line}:{function}", tt / whole, ct / whole)
        for (file, line, function), (_cc, _nc, tt, ct, _callers) in ranked
    ]


def hotspot_lines(hotspots: list[Hotspot]) -> str:
    """Hotspots as aligned lines: self %, total %, function."""
    lines = ["  self%  total%  function"]
    lines += [
        f"  {h.self_share * 100:5.1f}  {h.total_share * 100:6.1f}  {h.function}" for h in hotspots
    ]
    return "\n".join(lines)
