"""Push ingestion, the catalog, the change feed and runs over HTTP, on both backends: real
tokens, problem details, tenant isolation, idempotent replay, ETags, a paginated walk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.store.models import Course
from tests.pushed import NIK, certificate, course, row_counts

Headers = Callable[..., dict[str, str]]


@pytest.fixture
def providers(make_partner: Callable[..., str]) -> tuple[str, str]:
    return make_partner("lpk-a"), make_partner("lpk-b")


@pytest.fixture
def platform(make_partner: Callable[..., str]) -> str:
    return make_partner("toko", kind="platform")


def push(
    client: FlaskClient,
    headers: dict[str, str],
    records: list[Any],
    key: str = "k-1",
    stream: str = "courses",
) -> Any:
    return client.post(
        f"/api/v1/ingest/{stream}", json={"records": records},
        headers={**headers, "Idempotency-Key": key},
    )  # fmt: skip


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    if field is not None:
        assert field in body["errors"], body
    return body


def test_push_then_read_the_catalog(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str], platform: str
) -> None:
    a, _ = providers
    writer = auth_headers("catalog:write", a)

    answer = push(client, writer, [course(1), course(2, price_idr=-1), course(3)])

    assert answer.status_code == 200
    assert answer.get_json() == {
        "accepted": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": [
            {
                "index": 1,
                "external_id": "K-2",
                "errors": {"price_idr": answer.get_json()["rejected"][0]["errors"]["price_idr"]},
            }
        ],
    }
    page = client.get("/api/v1/courses?limit=10", headers=auth_headers("catalog:read", platform))
    assert page.status_code == 200
    titles = sorted(c["title"] for c in page.get_json()["data"])
    assert titles == ["Pemasaran Digital 1", "Pemasaran Digital 3"]
    assert page.get_json()["next_cursor"] is None


def test_replay_and_key_reuse(
    client: FlaskClient,
    auth_headers: Headers,
    providers: tuple[str, str],
    sessions: sessionmaker[Session],
) -> None:
    writer = auth_headers("catalog:write", providers[0])
    first = push(client, writer, [course(1), course(2)], key="batch-7")
    before = row_counts(sessions)

    replay = push(client, writer, [course(1), course(2)], key="batch-7")
    reuse = push(client, writer, [course(1), course(2, title="Lain")], key="batch-7")

    assert replay.status_code == 200
    assert replay.get_json() == first.get_json()
    assert_problem(reuse, 422, "Idempotency-Key")
    assert row_counts(sessions) == before


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        ('{"records": [', {}, 400, None),  # malformed JSON
        ({"records": "K-1"}, {}, 422, "records"),  # wrong type
        ({"records": [course(1)], "extra": 1}, {}, 422, "extra"),  # unknown field
        ({"records": [course(n) for n in range(1001)]}, {}, 422, "records"),  # over 1,000
        ({"records": []}, {}, 422, "records"),
        ('{"records": [{"price_idr": 99999999999999999999}]}', {}, 422, "records.0"),
        ('{"records": [{"external_id": "K-1"}, {"title": "a\\u0000b"}]}', {}, 422, "records.1"),
        ('{"records": [{"title": "\\ud800"}]}', {}, 422, "records.0"),
        ({"records": [course(1)]}, {"Idempotency-Key": "k" * 256}, 422, "Idempotency-Key"),
        ({"records": [course(1)]}, {"Idempotency-Key": None}, 422, "Idempotency-Key"),
    ],
)
def test_bad_pushes_are_refused_and_store_nothing(
    client: FlaskClient,
    auth_headers: Headers,
    providers: tuple[str, str],
    sessions: sessionmaker[Session],
    body: Any,
    headers: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    writer = auth_headers("catalog:write", providers[0])
    before = row_counts(sessions)
    sent = {**writer, "Idempotency-Key": "k-1", "Content-Type": "application/json", **headers}
    sent = {k: v for k, v in sent.items() if v is not None}
    data = body if isinstance(body, str) else __import__("orjson").dumps(body)

    response = client.post("/api/v1/ingest/courses", data=data, headers=sent)

    assert_problem(response, status, field)
    assert row_counts(sessions) == before


def test_bad_records_in_a_push_are_quarantined_by_rule(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str]
) -> None:
    writer = auth_headers("catalog:write", providers[0])
    records = [
        course(1, duration_hours="lama"),  # wrong type
        course(2, warna="merah"),  # unknown field
        course(3, title="x" * 256),  # over-long string
    ]

    answer = push(client, writer, records).get_json()

    assert answer["accepted"] == 0
    fields = [list(r["errors"]) for r in answer["rejected"]]
    assert fields == [["duration_hours"], ["warna"], ["title"]]
    assert "255" in answer["rejected"][2]["errors"]["title"][0]


def test_a_body_over_5_mb_is_refused(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str]
) -> None:
    writer = auth_headers("catalog:write", providers[0])
    big = [course(n, description="x" * 6000) for n in range(1000)]
    assert_problem(push(client, writer, big), 413)


def test_tenant_isolation(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str]
) -> None:
    a, b = providers
    everything = "catalog:read catalog:write certificates:read certificates:write jobs:read"
    as_a, as_b = auth_headers(everything, a), auth_headers(everything, b)
    push(client, as_a, [course(1)])
    push(client, as_a, [certificate(1), {"external_id": "bad"}], "k-2", "certificates")
    push(client, as_b, [course(1, title="Milik B")])

    # B's push wrote B's own record: A's course with the same external id is untouched.
    courses = client.get("/api/v1/courses", headers=as_a).get_json()["data"]
    by_partner = {c["partner_id"]: c for c in courses}
    assert by_partner[a]["title"] == "Pemasaran Digital 1"
    assert by_partner[b]["title"] == "Milik B"
    # The catalog is shared; the raw source record only to its own partner.
    assert "raw" in by_partner[a]
    assert "raw" not in by_partner[b]
    a_course = by_partner[a]["id"]
    assert "raw" not in client.get(f"/api/v1/courses/{a_course}", headers=as_b).get_json()

    # Certificates, runs and rejections reach only their own partner.
    assert client.get("/api/v1/certificates", headers=as_b).get_json()["data"] == []
    [cert] = client.get("/api/v1/certificates", headers=as_a).get_json()["data"]
    assert cert["participant"] == {"ref": cert["participant"]["ref"], "name": "Peserta 1"}
    assert NIK not in client.get(f"/api/v1/certificates/{cert['id']}", headers=as_a).text
    assert_problem(client.get(f"/api/v1/certificates/{cert['id']}", headers=as_b), 404)
    a_runs = client.get("/api/v1/runs", headers=as_a).get_json()["data"]
    b_runs = client.get("/api/v1/runs", headers=as_b).get_json()["data"]
    assert (len(a_runs), len(b_runs)) == (2, 1)
    partial = next(r for r in a_runs if r["status"] == "partial")
    assert_problem(client.get(f"/api/v1/runs/{partial['id']}", headers=as_b), 404)
    assert_problem(client.get(f"/api/v1/runs/{partial['id']}/rejections", headers=as_b), 404)
    rejections = client.get(f"/api/v1/runs/{partial['id']}/rejections", headers=as_a).get_json()
    assert rejections["total"] == 1
    assert rejections["data"][0]["external_id"] == "bad"

    # The feed: every course change, but only the caller's own certificates'.
    a_feed = client.get("/api/v1/changes", headers=as_a).get_json()["data"]
    b_feed = client.get("/api/v1/changes", headers=as_b).get_json()["data"]
    assert sorted(e["entity"] for e in a_feed) == ["certificate", "course", "course"]
    assert sorted(e["entity"] for e in b_feed) == ["course", "course"]


def test_a_paginated_walk_returns_exactly_the_stored_set(
    client: FlaskClient,
    auth_headers: Headers,
    providers: tuple[str, str],
    platform: str,
    sessions: sessionmaker[Session],
) -> None:
    for partner in providers:
        push(client, auth_headers("catalog:write", partner), [course(n) for n in range(40)])
    reader = auth_headers("catalog:read", platform)
    seen: list[str] = []
    url: str | None = "/api/v1/courses?limit=7"
    while url:
        page = client.get(url, headers=reader).get_json()
        seen.extend(c["id"] for c in page["data"])
        cursor = page["next_cursor"]
        url = f"/api/v1/courses?limit=7&cursor={cursor}" if cursor else None
    with sessions() as session:
        stored = set(session.scalars(select(Course.id)))
    assert len(seen) == len(set(seen)) == 80
    assert set(seen) == stored
    only_b = client.get(f"/api/v1/courses?limit=100&partner_id={providers[1]}", headers=reader)
    assert {c["partner_id"] for c in only_b.get_json()["data"]} == {providers[1]}
    assert_problem(client.get("/api/v1/courses?cursor=bogus", headers=reader), 422, "cursor")
    assert_problem(client.get("/api/v1/courses?limit=0", headers=reader), 422, "limit")
    assert_problem(client.get("/api/v1/courses?status=gone", headers=reader), 422, "status")


def test_etags_answer_304_until_the_record_changes(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str], platform: str
) -> None:
    writer = auth_headers("catalog:write", providers[0])
    reader = auth_headers("catalog:read", platform)
    push(client, writer, [course(1)])
    [listed] = client.get("/api/v1/courses", headers=reader).get_json()["data"]
    first = client.get(f"/api/v1/courses/{listed['id']}", headers=reader)
    tag = first.headers["ETag"]

    same = client.get(f"/api/v1/courses/{listed['id']}", headers={**reader, "If-None-Match": tag})
    push(client, writer, [course(1, title="Baru")], key="k-2")
    changed = client.get(
        f"/api/v1/courses/{listed['id']}", headers={**reader, "If-None-Match": tag}
    )
    page_tag = client.get("/api/v1/courses", headers=reader).headers["ETag"]
    page_again = client.get("/api/v1/courses", headers={**reader, "If-None-Match": page_tag})

    assert (same.status_code, same.data) == (304, b"")
    assert changed.status_code == 200
    assert (changed.get_json()["title"], changed.get_json()["revision"]) == ("Baru", 2)
    assert changed.headers["ETag"] != tag
    assert page_again.status_code == 304


def test_a_repeated_page_query_follows_changes_and_repeated_bad_queries_stay_refused(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str], platform: str
) -> None:
    writer = auth_headers("catalog:write", providers[0])
    reader = auth_headers("catalog:read", platform)
    push(client, writer, [course(n) for n in range(3)])
    first = client.get("/api/v1/courses?limit=2", headers=reader)
    again = client.get("/api/v1/courses?limit=2", headers=reader)
    unchanged = client.get(
        "/api/v1/courses?limit=2", headers={**reader, "If-None-Match": first.headers["ETag"]}
    )
    push(client, writer, [course(n, title=f"Baru {n}") for n in range(3)], key="k-2")
    changed = client.get(
        "/api/v1/courses?limit=2", headers={**reader, "If-None-Match": first.headers["ETag"]}
    )

    assert (again.data, again.headers["ETag"]) == (first.data, first.headers["ETag"])
    assert len(first.get_json()["data"]) == 2
    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert {c["title"] for c in changed.get_json()["data"]} <= {"Baru 0", "Baru 1", "Baru 2"}
    assert len(client.get("/api/v1/courses?limit=3", headers=reader).get_json()["data"]) == 3
    for _ in range(2):
        assert_problem(client.get("/api/v1/courses?limit=0", headers=reader), 422, "limit")


def test_the_feed_resumes_where_it_stopped(
    client: FlaskClient, auth_headers: Headers, providers: tuple[str, str], platform: str
) -> None:
    writer = auth_headers("catalog:write", providers[0])
    reader = auth_headers("catalog:read", platform)
    push(client, writer, [course(n) for n in range(5)])
    first = client.get("/api/v1/changes?limit=3", headers=reader).get_json()
    rest = client.get(f"/api/v1/changes?after={first['next_cursor']}", headers=reader).get_json()
    push(client, writer, [course(0, title="Baru")], key="k-2")
    new = client.get(f"/api/v1/changes?after={rest['next_cursor']}", headers=reader).get_json()
    idle = client.get(f"/api/v1/changes?after={new['next_cursor']}", headers=reader).get_json()

    assert (len(first["data"]), first["has_more"]) == (3, True)
    assert (len(rest["data"]), rest["has_more"]) == (2, False)
    assert [(e["op"], e["revision"]) for e in new["data"]] == [("upsert", 2)]
    assert idle == {"data": [], "next_cursor": new["next_cursor"], "has_more": False}
    assert_problem(client.get("/api/v1/changes?after=x", headers=reader), 422, "after")


def test_an_admin_token_cannot_push_without_a_partner(
    client: FlaskClient, auth_headers: Headers, sessions: sessionmaker[Session]
) -> None:
    admin = auth_headers("admin")
    before = row_counts(sessions)
    assert_problem(push(client, admin, [course(1)]), 403)
    assert row_counts(sessions) == before
