"""Keeping Python's cyclic garbage collector out of a sync's hot loop.

A sync allocates millions of short-lived containers (each raw record is a tree of dicts and
lists) and holds a batch of them alive at a time. Every few hundred allocations the collector
walks the young ones, and every so often all tracked objects of the process; measured, that was
about a tenth of a first sync's time, for cycles it almost never finds (records hold none:
reference counting frees them). So while a run reads and writes, the collector is off and only
the young generations are swept, once per batch; the full collection waits for the run's end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Switch automatic collection off for the block (if it was on), then back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def sweep_young() -> None:
    """Collect the cycles among objects made since the last sweep: a batch's worth, cheaply."""
    gc.collect(1)
