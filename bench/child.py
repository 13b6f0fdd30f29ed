"""A server the benchmarks run in a child process, so its CPU and memory are measured apart from
the hub's: the child prints `READY` and its URL once it serves, and stops when its stdin closes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
#: What the child prints, followed by its URL, once it serves.
READY = "listening "


def announce(url: str) -> None:
    """Tell the parent the child serves at `url` (the child's side)."""
    print(READY + url, flush=True)


@contextmanager
def serving_child(
    arguments: Sequence[str], what: str
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`python <arguments>` in the repository, started and waited for until it announces its URL;
    yields the URL and the process, which is stopped (killed after 30 s) on leaving. `what` names
    the server in the error raised when it does not start."""
    child = subprocess.Popen(
        [sys.executable, *arguments],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.startswith(READY):
            raise RuntimeError(f"{what} did not start (exit {child.wait()}): {line!r}")
        yield line[len(READY) :].strip(), child
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
