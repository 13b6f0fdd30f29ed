"""A training provider's course catalog API: paginated JSON in the provider's own (Indonesian)
field names, generated deterministically, so a sync of it has known results."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from hub.sandbox import generate
from hub.sandbox.serving import serve_in_thread

#: The first eight of the sandbox world's topics: the catalog's course numbers cycle through them.
TOPICS = generate.TOPICS[:8]
MODES = ("daring", "webinar", "luring", "campuran")
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
CITIES = ("Kota Bandung", "Kota Makassar", "Kota Jayapura", "Kota Surabaya", "Kabupaten Sleman")

#: The declarative mapping from this catalog's fields to the common schema.
COURSE_MAPPING: dict[str, Any] = {
    "external_id": "kode",
    "title": "judul",
    "description": "deskripsi",
    "category": "kategori",
    "delivery_mode": {
        "path": "mode",
        "transform": "enum",
        "map": {
            "daring": "self_paced",
            "webinar": "webinar",
            "luring": "offline",
            "campuran": "blended",
        },
    },
    "duration_hours": "durasi_jam",
    "price_idr": "harga",
    "occupation_codes": "kbji",
    "kkni_level": "level_kkni",
    "skills": "keahlian",
    "status": {
        "path": "status",
        "transform": "enum",
        "map": {"aktif": "active", "nonaktif": "inactive"},
    },
    "url": "tautan",
    "schedules": {
        "path": "jadwal",
        "each": {
            "schedule_code": "kode_jadwal",
            "starts_at": "mulai",
            "ends_at": "selesai",
            "timezone": "zona",
            "location": {"path": "lokasi", "default": None},
            "quota": "kuota",
        },
    },
}


def course(index: int, version: int = 0) -> dict[str, Any]:
    """The catalog's course number `index` (from 0), as the provider's API spells it.

    `version` > 0 is the catalog after an edit: every tenth course has a new price.
    """
    rng = random.Random(index)
    title, category, kbji = TOPICS[index % len(TOPICS)]
    mode = MODES[rng.randrange(len(MODES))]
    price = rng.randrange(100, 4000) * 1000
    if version and index % 10 == 0:
        price += 50_000 * version
    start = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=rng.randrange(300))
    schedules = []
    for n in range(2):
        begins = start + timedelta(days=14 * n)
        schedules.append(
            {
                "kode_jadwal": f"J{index:07d}-{n + 1}",
                "mulai": begins.strftime("%Y-%m-%d %H:%M:%S"),
                "selesai": (begins + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S"),
                "zona": ZONES[rng.randrange(3)],
                "lokasi": CITIES[rng.randrange(len(CITIES))] if mode == "luring" else None,
                "kuota": 40 if mode == "luring" else 150,
            }
        )
    return {
        "kode": f"C{index:07d}",
        "judul": f"{title} Angkatan {index % 97 + 1}",
        "deskripsi": f"Kelas {category} berbasis praktik untuk peserta Prakerja.",
        "kategori": category,
        "mode": mode,
        "durasi_jam": 15 + rng.randrange(30),
        "harga": f"Rp{price:,}".replace(",", "."),
        "kbji": [kbji],
        "level_kkni": 1 + rng.randrange(9),
        "keahlian": [category, "komunikasi"],
        "status": "aktif",
        "tautan": f"https://lpk.example.id/kelas/C{index:07d}",
        "jadwal": schedules,
    }


class CatalogSource:
    """The catalog's pages: `?page=N&per_page=M` → `{"data": [...], "meta": {...}}`."""

    def __init__(self, size: int, *, version: int = 0) -> None:
        self.size = size
        self.version = version

    def page(self, number: int, per_page: int) -> bytes:
        """Page `number` (from 1) as the body the API answers."""
        return _page(self.size, self.version, number, per_page)


@lru_cache(maxsize=4096)
def _page(size: int, version: int, number: int, per_page: int) -> bytes:
    first = (number - 1) * per_page
    records = [course(i, version) for i in range(first, min(first + per_page, size))]
    pages = max(1, -(-size // per_page))
    return orjson.dumps({"data": records, "meta": {"page": number, "total_pages": pages}})


PageGate = Callable[[int], None]


def _handler(source: CatalogSource, gate: PageGate | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/courses":
                self._answer(404, b'{"error": "not found"}')
                return
            query = parse_qs(url.query)
            try:
                number = int(query.get("page", ["1"])[0])
                per_page = int(query.get("per_page", ["100"])[0])
            except ValueError:
                self._answer(400, b'{"error": "page and per_page must be integers"}')
                return
            if number < 1 or not 1 <= per_page <= 5000:
                self._answer(400, b'{"error": "page >= 1, 1 <= per_page <= 5000"}')
                return
            if gate is not None:
                gate(number)
            self._answer(200, source.page(number, per_page))

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a benchmark serves thousands of pages."""

    return Handler


@contextmanager
def serve_catalog(
    source: CatalogSource, *, port: int = 0, gate: PageGate | None = None
) -> Iterator[str]:
    """Serve the catalog on 127.0.0.1 in a background thread; yields its base URL.

    `gate(page)` runs before each page is answered: tests use it to hold a page back.
    """
    handler = _handler(source, gate)
    with serve_in_thread(handler, host="127.0.0.1", port=port, name="catalog-source") as url:
        yield url


def catalog_connector_config(base_url: str, page_size: int = 100) -> dict[str, Any]:
    """A declarative connector definition that syncs this catalog's courses."""
    return {
        "base_url": base_url,
        "auth": {"type": "none"},
        "streams": {
            "courses": {
                "entity": "course",
                "path": "/courses",
                "records_path": "data",
                "pagination": {
                    "type": "page_number",
                    "page_param": "page",
                    "size_param": "per_page",
                    "page_size": page_size,
                    "start_page": 1,
                    "stop": {"total_pages_path": "meta.total_pages"},
                },
                "mapping": COURSE_MAPPING,
            }
        },
    }
