"""The dashboard in a real browser (Chromium driven by Playwright) against the hub served on
127.0.0.1: sign in, find the failing connector, read its rejected records, run it again, sign
out, and a form without its CSRF token refused. Screenshots land in var/screenshots/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from hub.admin.accounts import AdminService
from hub.admin.blueprint import DISPATCHER
from hub.app import create_app
from hub.auth.keys import SigningKeyService
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import CatalogSource, serve_catalog
from hub.scheduling.schedules import ScheduleService
from hub.settings import load_settings
from hub.store.db import make_engine, session_factory
from hub.store.migrate import upgrade
from hub.sync.runner import SyncRunner
from tests.admin.conftest import (
    EMAIL,
    PASSWORD,
    failing_source_pages,
    serve_pages,
    source_config,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PROVIDERS = [
    ("lpk-nusantara", "LPK Nusantara Digital", "good"),
    ("lpk-cendekia", "LPK Cendekia Kreatif", "good"),
    ("lpk-maju", "LPK Maju Bersama", "bad"),
    ("lpk-harapan", "LPK Harapan Bangsa", "good"),
    ("lpk-sentosa", "LPK Sentosa", "paused"),
    ("lpk-baru", "LPK Baru Berkembang", "never"),
]


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hub served on 127.0.0.1 over a fresh SQLite database, seeded through the services
    and real syncs of partner sources that also serve on 127.0.0.1."""
    data_dir = tmp_path_factory.mktemp("hub")
    settings = load_settings(
        {"data_dir": data_dir, "database_url": f"sqlite:///{data_dir / 'hub.db'}",
         "secret_key": "browser-test"},
        environ={},
    )  # fmt: skip
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    runner = SyncRunner(sessions, replace(settings, batch_size=5))
    with serve_catalog(CatalogSource(40)) as good, serve_pages(failing_source_pages()) as bad:
        with sessions.begin() as session:
            SigningKeyService(session, settings).ensure()
            AdminService(session).create(EMAIL, PASSWORD)
            ids = {}
            sealer = ConfigSealer(settings)
            for code, name, kind in PROVIDERS:
                PartnerService(session).create(
                    {"kind": "training_provider", "code": code, "name": name}
                )
                config = source_config(bad if kind == "bad" else good)
                ids[code] = (
                    ConnectorService(session).add(code, "json_api", config, sealer=sealer).id
                )
        for code, _, kind in PROVIDERS:
            if kind in ("good", "paused"):
                runner.run(ids[code], "courses")
            if kind == "bad":
                runner.run(ids[code], "courses")
        with sessions.begin() as session:
            ScheduleService(session).pause(ids["lpk-sentosa"], "partner asked for a pause")
        app = create_app({"HUB_SETTINGS": settings})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            app.extensions[DISPATCHER].close()
            engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """System Chromium, headless; Playwright downloads no browser of its own."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, hub_url: str) -> None:
    page.goto(f"{hub_url}/admin/")
    expect(page).to_have_url(f"{hub_url}/admin/sign-in?next=/admin/")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Connectors")


def test_an_admin_finds_a_failing_connector_reads_its_rejections_and_reruns_it(
    page: Page, hub_url: str
) -> None:
    page.goto(f"{hub_url}/admin/sign-in")
    shot(page, "01-sign-in")
    sign_in(page, hub_url)
    shot(page, "02-overview")

    first = page.locator("#connectors tbody tr").first
    expect(first).to_have_attribute("data-state", "failing")
    expect(first.locator(".badge.failing")).to_have_text("Failing")
    expect(page.locator("#connectors tr[data-state=paused] .badge.paused")).to_have_text("Paused")

    page.fill("input[name=q]", "maju")
    page.press("input[name=q]", "Enter")
    expect(page.locator("#connectors tbody tr")).to_have_count(1)

    page.locator("#connectors tbody tr").first.locator("a.last-run").click()
    expect(page.locator("h1")).to_contain_text("failed")
    expect(page.locator(".error-box")).to_contain_text("401")
    expect(page.locator("#rejections h2")).to_contain_text("Rejected records (2)")
    expect(page.locator("tr.rejection").first).to_contain_text("duration_hours")
    expect(page.locator("body")).not_to_contain_text("3201234567890123")
    page.locator("tr.rejection details summary").first.click()
    shot(page, "03-run-detail")

    page.locator("p.small a").first.click()
    expect(page.locator("h1")).to_contain_text("LPK Maju Bersama")
    runs_before = page.locator("#runs-table tr[data-run]").count()
    page.locator(".toolbar button", has_text="Run now").click()
    expect(page.locator(".flash.ok")).to_contain_text("queued")
    expect(page.locator("#runs-table tr[data-run]")).to_have_count(runs_before + 1)
    shot(page, "04-connector-after-run-now")

    page.click("header.top nav >> text=Runs")
    expect(page.locator("#runs-table tr[data-run]").first).to_be_visible()
    shot(page, "05-runs")
    page.click("header.top nav >> text=Partners")
    expect(page.locator("h1")).to_have_text("Partners")
    shot(page, "06-partners")

    page.click("header.top button:has-text('Sign out')")
    expect(page).to_have_url(f"{hub_url}/admin/sign-in")
    page.goto(f"{hub_url}/admin/runs")
    expect(page.locator("#email")).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused(page: Page, hub_url: str) -> None:
    sign_in(page, hub_url)
    row = page.locator("#connectors tbody tr[data-state=fresh]").first
    form = row.locator("form").first
    form.evaluate("f => f.querySelector('input[name=csrf_token]').remove()")

    form.locator("button").click()

    expect(page.locator(".problem h1")).to_have_text("Form refused")
    expect(page.locator(".problem .status")).to_have_text("400")
    shot(page, "07-csrf-refused")


def test_the_run_list_updates_itself(page: Page, hub_url: str) -> None:
    sign_in(page, hub_url)
    page.goto(f"{hub_url}/admin/runs")
    newest = int(page.locator("#runs-table tr[data-run]").first.get_attribute("data-run") or 0)

    # Queue a run from another tab: this page must show it without a reload.
    other = page.context.new_page()
    other.goto(f"{hub_url}/admin/?state=fresh")
    other.locator("#connectors tbody tr").first.locator("button", has_text="Run now").click()
    expect(other.locator(".flash.ok")).to_contain_text("queued")
    other.close()

    expect(page.locator(f"#runs-table tr[data-run='{newest + 1}']")).to_be_visible(timeout=10_000)
