"""A declarative stream requests the next page while the records of the page before are being
handled, and a reader that stops early does not wait for the page requested ahead."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any, cast

from connectors import each_record
from connectors.declarative import DeclarativeConnector
from connectors.registry import load_config
from hub.sandbox.catalog import CatalogSource, catalog_connector_config, serve_catalog

PAGE = 10


def test_the_next_page_is_requested_while_the_records_before_it_are_handled() -> None:
    asked: dict[int, threading.Event] = {page: threading.Event() for page in (1, 2, 3, 4)}

    def gate(page: int) -> None:
        asked[page].set()

    with serve_catalog(CatalogSource(3 * PAGE), gate=gate) as base_url:
        connector = DeclarativeConnector()
        config = load_config(
            DeclarativeConnector, catalog_connector_config(base_url, page_size=PAGE)
        )
        items = each_record(connector.read(config, "courses", None))
        first = next(items)
        assert isinstance(first, dict)  # the first record of page 1; the reader is paused on it
        assert first["kode"] == "C0000000"
        assert asked[2].wait(timeout=10), "page 2 was not requested ahead"
        assert not asked[3].is_set()
        kodes = [first["kode"], *(item["kode"] for item in items if isinstance(item, dict))]

    assert kodes == [f"C{index:07d}" for index in range(3 * PAGE)]


def test_a_reader_that_stops_early_does_not_wait_for_the_page_requested_ahead() -> None:
    page_3_asked = threading.Event()
    release = threading.Event()
    page_3_answered = threading.Event()

    def gate(page: int) -> None:
        if page == 3:
            page_3_asked.set()
            release.wait(timeout=30)
            page_3_answered.set()

    with serve_catalog(CatalogSource(5 * PAGE), gate=gate) as base_url:
        connector = DeclarativeConnector()
        config = load_config(
            DeclarativeConnector, catalog_connector_config(base_url, page_size=PAGE)
        )
        items = cast(
            Generator[Any, None, None], each_record(connector.read(config, "courses", None))
        )
        try:
            read = [next(items) for _ in range(PAGE + 1)]  # page 1 and its checkpoint
            read.append(next(items))  # page 2 begins: page 3 is asked for, and held
            assert page_3_asked.wait(timeout=10)
            items.close()
            # Had closing waited for page 3, the source would have had to answer it first.
            assert not page_3_answered.is_set()
        finally:
            release.set()

    assert [item["kode"] for item in read if isinstance(item, dict)][-1] == f"C{PAGE:07d}"
