"""The sync's writer thread: batches written in order, off the reading thread; a failed write
surfaces in the reading thread and nothing after it is written; the GIL switch interval is
lowered only while a writer runs."""

from __future__ import annotations

import sys
import threading

import pytest

from hub.sync.writer import SWITCH_INTERVAL, BatchWriter


def test_batches_are_written_in_order_on_another_thread() -> None:
    written: list[tuple[int, str]] = []

    def write(batch: int) -> None:
        written.append((batch, threading.current_thread().name))

    with BatchWriter(write) as writer:
        for batch in range(5):
            writer.submit(batch)

    assert [batch for batch, _ in written] == [0, 1, 2, 3, 4]
    assert {thread for _, thread in written} == {"sync-writer"}


def test_a_failed_write_is_raised_in_the_reading_thread_and_later_batches_are_dropped() -> None:
    written: list[int] = []
    failed = threading.Event()

    def write(batch: int) -> None:
        if batch == 1:
            failed.set()
            raise RuntimeError("disk full")
        written.append(batch)

    def read() -> None:
        with BatchWriter(write) as writer:
            writer.submit(0)
            writer.submit(1)
            failed.wait(timeout=10)
            for batch in range(2, 6):  # the failure is raised by one of these submits
                writer.submit(batch)

    with pytest.raises(RuntimeError, match="disk full"):
        read()
    assert written == [0]


def test_a_failure_in_the_reading_thread_wins_and_queued_batches_are_still_written() -> None:
    written: list[int] = []

    def read() -> None:
        with BatchWriter(written.append) as writer:
            writer.submit(0)
            raise KeyError("read failed")

    with pytest.raises(KeyError):
        read()
    assert written == [0]


def test_the_switch_interval_is_short_only_while_a_writer_runs() -> None:
    usual = sys.getswitchinterval()
    seen: list[float] = []

    def note(_batch: int) -> None:
        seen.append(sys.getswitchinterval())

    with BatchWriter(note) as outer:
        with BatchWriter[int](lambda _batch: None):
            pass  # a second writer ending leaves the first one's interval in place
        outer.submit(0)

    assert seen == [pytest.approx(min(usual, SWITCH_INTERVAL))]
    assert sys.getswitchinterval() == usual
