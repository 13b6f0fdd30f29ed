"""A tap of Meltano's singer-sdk for the benchmark's catalog: the reference a sync is weighed
against. Run by the reference environment's Python (see `bench.reference`), never by the hub's:
`python bench/reference_tap.py URL PAGE_SIZE`.

It reads the catalog the way the hub's connector does (page numbers until the last page, the
records at `data`), and does what such a tap does with no target behind it: each record is
conformed to the stream's schema and written as a Singer RECORD message, here to /dev/null. It
neither validates nor stores. It prints one JSON line: records read, wall and CPU seconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.pagination import BasePageNumberPaginator
from singer_sdk.streams import RESTStream

_SCHEDULE = th.ObjectType(
    th.Property("kode_jadwal", th.StringType),
    th.Property("mulai", th.StringType),
    th.Property("selesai", th.StringType),
    th.Property("zona", th.StringType),
    th.Property("lokasi", th.StringType),
    th.Property("kuota", th.IntegerType),
)


class _Pages(BasePageNumberPaginator):
    def has_more(self, response: Any) -> bool:
        meta = response.json()["meta"]
        return bool(meta["page"] < meta["total_pages"])


class Courses(RESTStream):
    """The catalog's courses, in the provider's own field names."""

    name = "courses"
    path = "/courses"
    primary_keys = ("kode",)
    records_jsonpath = "$.data[*]"
    schema = th.PropertiesList(
        th.Property("kode", th.StringType),
        th.Property("judul", th.StringType),
        th.Property("deskripsi", th.StringType),
        th.Property("kategori", th.StringType),
        th.Property("mode", th.StringType),
        th.Property("durasi_jam", th.IntegerType),
        th.Property("harga", th.StringType),
        th.Property("kbji", th.ArrayType(th.StringType)),
        th.Property("level_kkni", th.IntegerType),
        th.Property("keahlian", th.ArrayType(th.StringType)),
        th.Property("status", th.StringType),
        th.Property("tautan", th.StringType),
        th.Property("jadwal", th.ArrayType(_SCHEDULE)),
    ).to_dict()
    read = 0

    @property
    def url_base(self) -> str:
        """The catalog's base URL, from the tap's config."""
        return str(self.config["base_url"])

    def get_new_paginator(self) -> _Pages:
        """Page numbers from 1."""
        return _Pages(1)

    def get_url_params(self, context: Any, next_page_token: Any) -> dict[str, Any]:
        """The page asked for and its size."""
        return {"page": next_page_token, "per_page": self.config["page_size"]}

    def post_process(self, row: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Counts the record and passes it on as it is."""
        Courses.read += 1
        return row


class ReferenceTap(Tap):
    """The tap: one stream."""

    name = "tap-hub-bench"
    config_jsonschema = th.PropertiesList(
        th.Property("base_url", th.StringType, required=True),
        th.Property("page_size", th.IntegerType, required=True),
    ).to_dict()

    def discover_streams(self) -> list[Courses]:
        """The catalog's one stream."""
        return [Courses(self)]


def main() -> None:
    """Sync the catalog once; print what it read and how long it took."""
    base_url, page_size = sys.argv[1], int(sys.argv[2])
    result = sys.stdout
    tap = ReferenceTap(config={"base_url": base_url, "page_size": page_size})
    with open(os.devnull, "w") as messages:
        sys.stdout = messages  # where Singer messages go
        start, cpu = time.perf_counter(), time.process_time()
        tap.sync_all()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        sys.stdout = result
    print(json.dumps({"records": Courses.read, "seconds": seconds, "cpu_seconds": cpu_seconds}))


if __name__ == "__main__":
    main()
