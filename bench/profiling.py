"""Hotspots of a profiled sync: from py-spy's raw stacks or from cProfile's stats.

py-spy samples from outside the process (low overhead, wall time with `--idle`); its stacks are
split into the first sync and the re-sync by the `first_sync` / `resync` frames of
`bench.sync_once`. cProfile is the fallback when py-spy is not installed.
"""

from __future__ import annotations

import pstats
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.child import REPO_ROOT

STDLIB = re.compile(r"^.*/lib/python3\.\d+/")
PHASES = {"first": "first_sync", "resync": "resync"}
#: The pseudo-phase of a sync's worker processes (they normalize during the first sync).
WORKERS = "workers"
#: The pseudo-phase of the sync process's other threads (the benchmark's RSS sampler left out).
THREADS = "threads"
#: The project's own code, the functions the second list of hotspots is about.
OURS = tuple(f"{REPO_ROOT}/{package}/" for package in ("hub", "connectors", "schemas"))


@dataclass(frozen=True)
class Hotspot:
    """A function and its share of the phase's time: in itself and including what it calls."""

    function: str
    self_share: float
    total_share: float
    ours: bool


def py_spy() -> str | None:
    """The py-spy executable beside this interpreter, or on PATH; None when not installed."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def py_spy_command(executable: str, output: Path) -> list[str]:
    """The py-spy prefix that records raw stacks of the command after it, idle time included."""
    return [executable, "record", "--format", "raw", "--idle", "--nolineno", "--full-filenames",
            "--subprocesses", "--rate", "200", "--output", str(output), "--"]  # fmt: skip


def _label(path: str, function: str) -> tuple[str, bool]:
    """`path/to/module.py`, `func` → (`module path:func`, whether it is the project's code)."""
    ours = path.startswith(OURS)
    if ours:
        short = path[len(str(REPO_ROOT)) + 1 :]
    else:
        short = STDLIB.sub("", path.rpartition("site-packages/")[2])
    return f"{short}:{function}", ours


def _frame(frame: str) -> tuple[str, bool]:
    """A py-spy frame, `func (path)`, as `_label` gives it."""
    function, _, where = frame.rpartition(" (")
    return _label(where.rstrip(")"), function) if function else (frame, False)


def _split_stack(stack: str) -> list[str]:
    """A py-spy raw stack's frames, root first; a `process <pid>:"<command>"` frame stays whole
    though its command may hold a `;`."""
    frames: list[str] = []
    for part in stack.split(";"):
        if frames and frames[-1].startswith("process ") and frames[-1].count('"') % 2:
            frames[-1] += ";" + part
        else:
            frames.append(part)
    return frames


def _in_phase(frames: list[str], phase: str) -> bool:
    """Whether a py-spy stack belongs to `phase`: a sync phase of the main process, or a worker."""
    processes = [f for f in frames if f.startswith("process ")]
    if phase == WORKERS:
        return len(processes) > 1 and "resource_tracker" not in processes[-1]
    if phase == THREADS:
        python = frames[len(processes) :]
        return (
            len(processes) <= 1
            and bool(python)
            and python[0].startswith("Thread._bootstrap ")
            and not any(f.startswith("TreeRssSampler.") for f in python)
        )
    marker = PHASES[phase] + " ("
    return len(processes) <= 1 and any(f.startswith(marker) for f in frames)


def py_spy_hotspots(raw: Path, phase: str) -> list[Hotspot]:
    """Every function sampled in `phase` ("first", "resync", `WORKERS` or `THREADS`) of a raw
    py-spy file (recorded with `--subprocesses`: a process is a `process <pid>:"<cmd>"` frame)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    ours: dict[str, bool] = {}
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = _split_stack(stack)
        if not count_text.isdigit() or not _in_phase(frames, phase):
            continue
        labels = [_frame(f) for f in frames if not f.startswith("process ")]
        if not labels:  # a process caught before it ran any Python
            continue
        count = int(count_text)
        samples += count
        own[labels[-1][0]] += count
        for name, is_ours in set(labels):
            total[name] += count
            ours[name] = is_ours
    return [
        Hotspot(name, own[name] / samples, count / samples, ours[name])
        for name, count in total.items()
    ]


def cprofile_hotspots(stats_file: Path) -> list[Hotspot]:
    """Every function in a cProfile stats file."""
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    whole = sum(entry[2] for entry in stats.values()) or 1.0
    found = []
    for (file, _line, function), (_cc, _nc, tt, ct, _callers) in stats.items():
        name, ours = _label(file, function)
        found.append(Hotspot(name, tt / whole, ct / whole, ours))
    return found


def hotspot_lines(hotspots: list[Hotspot], top: int) -> str:
    """The `top` functions by self time, then the project's `top` functions by total time."""
    by_self = sorted(hotspots, key=lambda h: h.self_share, reverse=True)[:top]
    by_total = sorted((h for h in hotspots if h.ours), key=lambda h: h.total_share, reverse=True)
    lines = ["  self%  total%  function (by self time)"]
    lines += [_line(h) for h in by_self]
    lines += ["  self%  total%  function (the project's code, by total time)"]
    lines += [_line(h) for h in by_total[:top]]
    return "\n".join(lines)


def _line(hotspot: Hotspot) -> str:
    return (
        f"  {hotspot.self_share * 100:5.1f}  {hotspot.total_share * 100:6.1f}  {hotspot.function}"
    )
