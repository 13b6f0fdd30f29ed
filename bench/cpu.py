"""CPU time spent by a sync: in its own process, and in the PostgreSQL backends serving it.

On a machine whose cores other work shares, wall-clock records/s swing with the load; CPU
seconds per record hardly do, so the benchmark reports them beside the rates. The server's share
is read from /proc for the backends connected to the benchmark's database, which works when the
server runs on this machine and its processes are readable; otherwise it is not reported.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import Engine, text

PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu() -> float:
    """User plus system CPU seconds of this process so far."""
    return time.process_time()


def server_cpu(engine: Engine) -> float | None:
    """User plus system CPU seconds so far of every backend connected to `engine`'s database
    (PostgreSQL on this machine), or None when they cannot be read."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0.0
        for pid in pids:
            try:
                fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                return None
            total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total
