"""The catalog source in its own process, so serving pages never shares a GIL with the sync.

The child (`python -m bench.source N PAGE_SIZE`) generates every page it will serve before it
prints its `listening <url>` line, then serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.sandbox.catalog import CatalogSource, serve_catalog

#: The directory `python -m bench...` must run from: `bench` is not an installed package.
REPO_ROOT = Path(__file__).resolve().parent.parent
READY = "listening "


def page_count(size: int, page_size: int) -> int:
    """The pages a page-number walk of `size` records asks for, the short (or empty) last one
    included."""
    return size // page_size + 1


def warm(source: CatalogSource, page_size: int) -> None:
    """Generate (and cache) every page a walk asks for, so serving it later costs no generation."""
    for number in range(1, page_count(source.size, page_size) + 1):
        source.page(number, page_size)


@contextmanager
def source_process(size: int, page_size: int) -> Iterator[str]:
    """Run the catalog of `size` courses in a child process, warmed; yields its base URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.source", str(size), str(page_size)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.startswith(READY):
            raise RuntimeError(f"the catalog source did not start (exit {child.wait()}): {line!r}")
        yield line[len(READY) :].strip()
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main() -> None:
    """Serve the catalog until stdin closes."""
    parser = argparse.ArgumentParser(description="Serve the benchmark's course catalog.")
    parser.add_argument("size", type=int, help="courses in the catalog")
    parser.add_argument("page_size", type=int, help="the per_page the sync will ask for")
    args = parser.parse_args()
    source = CatalogSource(args.size)
    warm(source, args.page_size)
    with serve_catalog(source) as base_url:
        print(READY + base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
