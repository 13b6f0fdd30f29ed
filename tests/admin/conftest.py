"""The dashboard on a test database: an app, a signed-in admin, and partner sources on
127.0.0.1 whose syncs succeed, quarantine records, or fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from hub.admin.accounts import AdminService
from hub.admin.blueprint import DISPATCHER
from hub.app import create_app
from hub.sandbox.catalog import catalog_connector_config, course
from hub.sandbox.serving import serve_in_thread
from hub.settings import Settings

EMAIL = "ops@prakerja.go.id"
PASSWORD = "correct horse battery"


@pytest.fixture
def admin_app(settings: Settings) -> Iterator[Flask]:
    """The hub's app (create_app) on the test database."""
    app = create_app({"TESTING": True, "HUB_SETTINGS": settings})
    yield app
    app.extensions[DISPATCHER].close()
    app.extensions["hub"].engine.dispose()


def create_admin(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        AdminService(session).create(EMAIL, PASSWORD)


def csrf_of(html: str) -> str:
    """The CSRF token a dashboard page embeds in its forms."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def client(admin_app: Flask, sessions: sessionmaker[Session]) -> FlaskClient:
    """A browser-like client signed in as an admin."""
    create_admin(sessions)
    client = admin_app.test_client()
    token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))
    answer = client.post(
        "/admin/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302
    return client


def bad_course(index: int) -> dict[str, Any]:
    """A catalog course that breaks the common schema: zero hours, and a NIK-shaped number
    pasted into its description."""
    record = course(index)
    record["durasi_jam"] = 0
    record["deskripsi"] = "Peserta 3201234567890123 sudah lulus"
    return record


@contextmanager
def serve_pages(pages: dict[int, tuple[int, list[dict[str, Any]]]]) -> Iterator[str]:
    """A catalog API on 127.0.0.1 that answers `?page=N` with the (status, records) given; a
    page not given is an empty last page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            number = int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])
            status, records = pages.get(number, (200, []))
            body = orjson.dumps({"data": records, "meta": {"page": number}})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    with serve_in_thread(Handler, host="127.0.0.1", port=0, name="admin-test-source") as url:
        yield url


def failing_source_pages() -> dict[int, tuple[int, list[dict[str, Any]]]]:
    """Page 1: three good courses and two bad ones; page 2: the partner refuses (401)."""
    return {1: (200, [course(0), bad_course(1), course(2), bad_course(3), course(4)]), 2: (401, [])}


def source_config(base_url: str) -> dict[str, Any]:
    """The json_api config of a catalog source, five courses a page."""
    return catalog_connector_config(base_url, page_size=5)
