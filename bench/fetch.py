"""The fetch+parse limit: download and JSON-parse the pages a sync reads, and nothing more."""

from __future__ import annotations

import time

import orjson
import requests


def fetch_all(session: requests.Session, base_url: str, page_size: int) -> int:
    """Walk the catalog's pages as the connector does (until a short page); the records read."""
    total = 0
    page = 1
    while True:
        response = session.get(
            f"{base_url}/courses", params={"page": page, "per_page": page_size}, timeout=60
        )
        response.raise_for_status()
        records = orjson.loads(response.content)["data"]
        total += len(records)
        if len(records) < page_size:
            return total
        page += 1


def fetch_parse_rate(base_url: str, page_size: int, expected: int, rounds: int = 5) -> float:
    """Best records/s of `rounds` walks with one keep-alive `requests.Session`.

    Raises `RuntimeError` when a walk reads other than `expected` records.
    """
    best = 0.0
    with requests.Session() as session:
        for _ in range(rounds):
            start = time.perf_counter()
            total = fetch_all(session, base_url, page_size)
            elapsed = time.perf_counter() - start
            if total != expected:
                raise RuntimeError(f"fetch+parse read {total} records, expected {expected}")
            best = max(best, total / elapsed)
    return best
