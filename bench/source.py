"""The catalog source in its own process, so serving pages never shares a GIL with the sync.

The child (`python -m bench.source N PAGE_SIZE`) generates every page it will serve before it
prints its `listening <url>` line, then serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from bench.child import announce, serving_child
from hub.sandbox.catalog import CatalogSource, serve_catalog

#: The directory `python -m bench...` must run from: `bench` is not an installed package.


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
    arguments = ["-m", "bench.source", str(size), str(page_size)]
    with serving_child(arguments, "the catalog source") as (url, _child):
        yield url


def main() -> None:
    """Serve the catalog until stdin closes."""
    parser = argparse.ArgumentParser(description="Serve the benchmark's course catalog.")
    parser.add_argument("size", type=int, help="courses in the catalog")
    parser.add_argument("page_size", type=int, help="the per_page the sync will ask for")
    args = parser.parse_args()
    source = CatalogSource(args.size)
    warm(source, args.page_size)
    with serve_catalog(source) as base_url:
        announce(base_url)
        sys.stdin.read()


if __name__ == "__main__":
    main()
