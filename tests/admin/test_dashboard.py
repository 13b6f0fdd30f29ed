"""The dashboard through a browser-like client: who gets in, CSRF on every form, health worst
first, runs paged and detailed with their rejected records, and run-now through the dispatcher."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.admin.blueprint import DISPATCHER
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import CatalogSource, serve_catalog
from hub.settings import Settings
from hub.store.models import AdminSession, ConnectorEvent, ConnectorInstance, Run
from hub.store.types import utcnow
from hub.sync.runner import SyncRunner
from tests.admin.conftest import (
    EMAIL,
    PASSWORD,
    create_admin,
    csrf_of,
    failing_source_pages,
    serve_pages,
    source_config,
)


def add_connector(
    sessions: sessionmaker[Session], settings: Settings, code: str, base_url: str
) -> int:
    with sessions.begin() as session:
        PartnerService(session).create(
            {"kind": "training_provider", "code": code, "name": f"LPK {code.upper()}"}
        )
        sealer = ConfigSealer(settings)
        return (
            ConnectorService(session)
            .add(code, "json_api", source_config(base_url), sealer=sealer)
            .id
        )


@pytest.fixture
def seeded(sessions: sessionmaker[Session], settings: Settings) -> Iterator[dict[str, int]]:
    """Three connectors synced for real: one healthy, one failing with rejected records, one
    never run. Their sources keep serving during the test."""
    # Small batches, so the failing sync commits its first page before the second is refused.
    runner = SyncRunner(sessions, replace(settings, batch_size=5))
    with serve_catalog(CatalogSource(12)) as good, serve_pages(failing_source_pages()) as bad:
        ids = {
            "good": add_connector(sessions, settings, "lpk-baik", good),
            "bad": add_connector(sessions, settings, "lpk-gagal", bad),
            "never": add_connector(sessions, settings, "lpk-baru", good),
        }
        assert runner.run(ids["good"], "courses").status == "succeeded"
        assert runner.run(ids["bad"], "courses").status == "failed"
        yield ids


def test_nobody_reaches_the_dashboard_without_signing_in(admin_app: Flask) -> None:
    client = admin_app.test_client()

    answer = client.get("/admin/runs?status=failed")
    bearer = client.get("/admin/", headers={"Authorization": "Bearer eyJhbGciOi.any.token"})

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/admin/sign-in?next=/admin/runs?status%3Dfailed"
    assert bearer.status_code == 302
    assert bearer.headers["Location"].startswith("/admin/sign-in")


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (EMAIL, "wrong " + PASSWORD),
        # PostgreSQL refuses to compare with a NUL: this was its DataError, a 500.
        (EMAIL + "\x00", PASSWORD),
    ],
    ids=["wrong-password", "email-with-nul"],
)
def test_a_wrong_sign_in_is_refused_without_saying_which_field(
    admin_app: Flask, sessions: sessionmaker[Session], email: str, password: str
) -> None:
    create_admin(sessions)
    client = admin_app.test_client()
    token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))

    answer = client.post(
        "/admin/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )

    assert answer.status_code == 401
    assert "Wrong email or password" in answer.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(
    admin_app: Flask, sessions: sessionmaker[Session]
) -> None:
    create_admin(sessions)
    client = admin_app.test_client()
    token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))

    answer = client.post(
        "/admin/sign-in", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )

    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_sign_in_without_its_csrf_token_is_refused(
    admin_app: Flask, sessions: sessionmaker[Session]
) -> None:
    create_admin(sessions)
    client = admin_app.test_client()

    answer = client.post("/admin/sign-in", data={"email": EMAIL, "password": PASSWORD})

    assert answer.status_code == 400
    assert "CSRF" in answer.get_data(as_text=True)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AdminSession)) == 0


def test_run_now_without_its_csrf_token_queues_nothing(
    client: FlaskClient, seeded: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    answer = client.post(f"/admin/connectors/{seeded['good']}/run")

    assert answer.status_code == 400
    assert "Form refused" in answer.get_data(as_text=True)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 2


def test_signing_out_ends_the_session_even_for_a_copied_cookie(
    client: FlaskClient, admin_app: Flask
) -> None:
    cookie = client.get_cookie("session")
    assert cookie is not None
    token = csrf_of(client.get("/admin/").get_data(as_text=True))

    assert client.post("/admin/sign-out", data={"csrf_token": token}).status_code == 302

    thief = admin_app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_overview_lists_failing_first_with_words_beside_colours(
    client: FlaskClient, seeded: dict[str, int]
) -> None:
    html = client.get("/admin/").get_data(as_text=True)

    order = [html.index(f'data-connector="{seeded[k]}"') for k in ("bad", "never", "good")]
    assert order == sorted(order)
    assert 'class="badge failing">Failing<' in html
    assert 'class="badge never">Never synced<' in html
    assert 'class="badge fresh">Fresh<' in html
    assert "<svg" in html


def test_overview_search_and_sort(client: FlaskClient, seeded: dict[str, int]) -> None:
    found = client.get("/admin/?q=GAGAL").get_data(as_text=True)
    by_partner = client.get("/admin/?sort=partner").get_data(as_text=True)

    assert f'data-connector="{seeded["bad"]}"' in found
    assert f'data-connector="{seeded["good"]}"' not in found
    # lpk-baik < lpk-baru < lpk-gagal
    order = [by_partner.index(f'data-connector="{seeded[k]}"') for k in ("good", "never", "bad")]
    assert order == sorted(order)


def test_run_page_shows_the_error_and_rejected_records_with_niks_masked(
    client: FlaskClient, seeded: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        run_id = session.scalar(select(Run.id).where(Run.connector_id == seeded["bad"]))

    html = client.get(f"/admin/runs/{run_id}").get_data(as_text=True)

    assert "Rejected records (2)" in html
    assert "duration_hours" in html
    assert "C0000001" in html
    assert "C0000003" in html
    assert "3201234567890123" not in html
    assert 'class="badge failed"' in html


def test_runs_are_paged_by_id_newest_first(
    client: FlaskClient, seeded: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    now = utcnow()
    with sessions.begin() as session:
        for i in range(60):
            session.add(
                Run(
                    connector_id=seeded["good"], stream="courses", trigger="schedule",
                    mode="incremental", status="succeeded", created_at=now - timedelta(minutes=i),
                )
            )  # fmt: skip
    first = client.get("/admin/runs").get_data(as_text=True)
    marker = "before="
    before = int(first[first.index(marker) + len(marker) :].split('"')[0].split("&")[0])
    second = client.get(f"/admin/runs?before={before}").get_data(as_text=True)

    first_ids = [int(x.split('"')[0]) for x in first.split('data-run="')[1:]]
    second_ids = [int(x.split('"')[0]) for x in second.split('data-run="')[1:]]
    assert len(first_ids) == 50
    assert first_ids == sorted(first_ids, reverse=True)
    assert second_ids == sorted(second_ids, reverse=True)
    assert max(second_ids) < min(first_ids)
    assert len(first_ids) + len(second_ids) == 62


def test_run_list_refreshes_only_its_table(client: FlaskClient, seeded: dict[str, int]) -> None:
    full = client.get("/admin/runs").get_data(as_text=True)
    fragment = client.get("/admin/runs", headers={"HX-Request": "true"}).get_data(as_text=True)

    assert 'hx-trigger="every 3s"' in full
    assert fragment.lstrip().startswith('<div id="runs-table"')
    assert "<html" not in fragment


def test_a_bad_status_filter_is_refused_naming_the_field(client: FlaskClient) -> None:
    answer = client.get("/admin/runs?status=exploded")

    assert answer.status_code == 400
    assert "status: must be one of" in answer.get_data(as_text=True)


def test_run_now_queues_a_run_through_the_dispatcher(
    client: FlaskClient, admin_app: Flask, seeded: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    page = f"/admin/connectors/{seeded['never']}"
    token = csrf_of(client.get(page).get_data(as_text=True))

    answer = client.post(
        f"/admin/connectors/{seeded['never']}/run", data={"csrf_token": token, "next": page}
    )

    assert answer.status_code == 302
    assert answer.headers["Location"] == page
    assert admin_app.extensions[DISPATCHER].wait_idle(timeout=30)
    with sessions() as session:
        run = session.scalars(select(Run).where(Run.connector_id == seeded["never"])).one()
        assert (run.trigger, run.status) == ("manual", "succeeded")
    assert "queued" in client.get(page).get_data(as_text=True)


def test_partners_page_counts_live_records(client: FlaskClient, seeded: dict[str, int]) -> None:
    html = client.get("/admin/partners").get_data(as_text=True)

    assert "lpk-baik" in html
    assert ">12<" in html


def test_pause_and_resume_go_through_the_schedule_service(
    client: FlaskClient, seeded: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    page = f"/admin/connectors/{seeded['good']}"
    token = csrf_of(client.get(page).get_data(as_text=True))

    client.post(f"/admin/connectors/{seeded['good']}/pause", data={"csrf_token": token})
    paused = client.get("/admin/?state=paused").get_data(as_text=True)
    client.post(f"/admin/connectors/{seeded['good']}/resume", data={"csrf_token": token})

    assert f'data-connector="{seeded["good"]}"' in paused
    with sessions() as session:
        events = session.scalars(
            select(ConnectorEvent.event).where(ConnectorEvent.connector_id == seeded["good"])
        ).all()
        assert list(events) == ["paused", "resumed"]
        assert session.get(ConnectorInstance, seeded["good"]).status == "active"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/connectors/2147483648",
        "/admin/runs/9223372036854775808",
        "/admin/connectors/99999999999999999999/pause",
    ],
)
def test_an_id_beyond_the_key_columns_is_not_found(client: FlaskClient, path: str) -> None:
    # PostgreSQL refuses to compare a 32-bit key with it, SQLite to bind it: a 404, not a 500.
    method = client.post if path.endswith("/pause") else client.get
    assert method(path).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("connector=2147483648", "connector_id"),
        ("connector=99999999999999999999", "connector_id"),
        ("before=2147483648", "cursor"),
    ],
)
def test_run_filters_beyond_the_key_columns_are_refused_naming_the_field(
    client: FlaskClient, query: str, field: str
) -> None:
    # They reached the database: PostgreSQL's "integer out of range", SQLite's OverflowError.
    answer = client.get(f"/admin/runs?{query}")

    assert answer.status_code == 400
    assert f"{field}: " in answer.get_data(as_text=True)
