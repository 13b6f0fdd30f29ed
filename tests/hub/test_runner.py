"""The sync runner on both backends: idempotent re-ingestion, revisions, deletions, quarantine,
failures that leave earlier data untouched."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import orjson
import pytest
import responses
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.declarative import REPAIRED_TEXT
from hub.connections.secrets import ConfigSealer
from hub.connections.services import ConnectorService
from hub.partners.services import PartnerService
from hub.sandbox.catalog import catalog_connector_config, course
from hub.settings import Settings
from hub.store.models import Change, Course, Rejection
from hub.sync.notices import run_notices
from hub.sync.runner import SyncRunner
from hub.sync.runs import run_as_dict

BASE = "http://provider.test"


def catalog_config(page_size: int = 10) -> dict[str, Any]:
    config = catalog_connector_config(BASE, page_size)
    config["http"] = {"max_retries": 0}  # fail at once: retries are the HTTP helper's own test
    return config


class Catalog:
    """A provider catalog behind `responses`: pages of whatever `records` holds now."""

    def __init__(self, mock: responses.RequestsMock, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.fail_from_page: int | None = None
        self.indent = False
        self.calls = 0
        mock.add_callback(responses.GET, f"{BASE}/courses", callback=self._page)

    def _page(self, request: Any) -> tuple[int, dict[str, str], str]:
        import orjson

        self.calls += 1
        params = request.params
        page, size = int(params["page"]), int(params["per_page"])
        if self.fail_from_page is not None and page >= self.fail_from_page:
            return 500, {}, "upstream down"
        chunk = self.records[(page - 1) * size : page * size]
        spacing = orjson.OPT_INDENT_2 if self.indent else 0
        body = orjson.dumps({"data": chunk}, option=spacing).decode()
        return 200, {"Content-Type": "application/json"}, body


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def connector_id(sessions: sessionmaker[Session], settings: Settings) -> int:
    with sessions.begin() as session:
        PartnerService(session).create(
            {"kind": "training_provider", "code": "lpk-a", "name": "LPK A"}
        )
        return (
            ConnectorService(session)
            .add("lpk-a", "declarative", catalog_config(), sealer=ConfigSealer(settings))
            .id
        )


@pytest.fixture
def runner(sessions: sessionmaker[Session], settings: Settings) -> SyncRunner:
    return SyncRunner(sessions, settings)


def counts(run: Any) -> dict[str, int]:
    counted: dict[str, int] = run_as_dict(run)["counts"]
    return counted


def stored(sessions: sessionmaker[Session]) -> dict[str, tuple[int, bool]]:
    with sessions() as session:
        rows = session.execute(select(Course.external_id, Course.revision, Course.deleted_at))
        return {ext: (rev, deleted is not None) for ext, rev, deleted in rows}


def change_ops(sessions: sessionmaker[Session]) -> list[tuple[str, int]]:
    with sessions() as session:
        return list(session.execute(select(Change.op, Change.revision).order_by(Change.seq)))


def test_first_sync_stores_every_record_and_logs_each_once(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    Catalog(mock, [course(i) for i in range(35)])

    run = runner.run(connector_id, "courses")

    assert run.status == "succeeded"
    assert counts(run) == {
        "read": 35,
        "created": 35,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
        "rejected": 0,
    }
    assert len(stored(sessions)) == 35
    assert change_ops(sessions) == [("upsert", 1)] * 35


def test_unchanged_resync_writes_nothing(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    Catalog(mock, [course(i) for i in range(25)])
    runner.run(connector_id, "courses")
    before = stored(sessions)

    again = runner.run(connector_id, "courses")

    assert again.status == "succeeded"
    assert counts(again)["unchanged"] == 25
    assert counts(again)["created"] == counts(again)["updated"] == 0
    assert stored(sessions) == before
    assert len(change_ops(sessions)) == 25


def test_revision_bumps_only_for_records_that_really_changed(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(30)])
    runner.run(connector_id, "courses")
    catalog.records = [course(i, version=1) for i in range(30)]  # every tenth price changes

    run = runner.run(connector_id, "courses")

    assert (run.updated, run.unchanged) == (3, 27)
    revisions = stored(sessions)
    assert {ext for ext, (rev, _) in revisions.items() if rev == 2} == {
        "C0000000",
        "C0000010",
        "C0000020",
    }
    assert change_ops(sessions)[-3:] == [("upsert", 2)] * 3


def test_reworded_raw_record_with_same_meaning_keeps_its_revision(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(5)])
    runner.run(connector_id, "courses")
    reworded = [course(i) for i in range(5)]
    reworded[0]["harga"] = int(reworded[0]["harga"].removeprefix("Rp").replace(".", ""))
    catalog.records = reworded

    run = runner.run(connector_id, "courses")

    assert (run.updated, run.unchanged) == (0, 5)
    assert stored(sessions)["C0000000"] == (1, False)
    assert len(change_ops(sessions)) == 5


def test_records_sent_again_spaced_and_ordered_otherwise_keep_their_revision(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(5)])
    runner.run(connector_id, "courses")
    catalog.records = [dict(reversed(course(i).items())) for i in range(5)]
    catalog.indent = True

    reworded = runner.run(connector_id, "courses")
    again = runner.run(connector_id, "courses")

    assert (reworded.created, reworded.updated, reworded.unchanged) == (0, 0, 5)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert set(stored(sessions).values()) == {(1, False)}
    assert len(change_ops(sessions)) == 5


def test_complete_full_refresh_marks_vanished_records_deleted(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(20)])
    runner.run(connector_id, "courses")
    catalog.records = [course(i) for i in range(20) if i not in (3, 17)]

    run = runner.run(connector_id, "courses")

    assert run.deleted == 2
    rows = stored(sessions)
    assert rows["C0000003"] == (2, True)
    assert rows["C0000017"] == (2, True)
    assert sum(deleted for _, deleted in rows.values()) == 2
    assert change_ops(sessions)[-2:] == [("delete", 2), ("delete", 2)]


def test_record_that_comes_back_is_undeleted_with_a_new_revision(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(5)])
    runner.run(connector_id, "courses")
    catalog.records = [course(i) for i in range(4)]
    runner.run(connector_id, "courses")
    catalog.records = [course(i) for i in range(5)]

    run = runner.run(connector_id, "courses")

    assert run.updated == 1
    assert stored(sessions)["C0000004"] == (3, False)


def test_failed_read_deletes_nothing_and_keeps_earlier_data(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(30)])
    runner.run(connector_id, "courses")
    before = stored(sessions)
    catalog.records = [course(i) for i in range(10)]  # looks like 20 vanished...
    catalog.fail_from_page = 2  # ...but the read never completes

    run = runner.run(connector_id, "courses")

    assert run.status == "failed"
    assert run.error_code == "source_unavailable"
    assert stored(sessions) == before
    assert all(op == "upsert" for op, _ in change_ops(sessions))


def test_invalid_records_are_quarantined_with_field_errors_and_the_rest_stored(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    records = [course(i) for i in range(12)]
    records[2]["harga"] = "Rp1.950.000,50"  # a fraction of a rupiah
    records[5]["durasi_jam"] = 0
    del records[7]["judul"]
    Catalog(mock, records)

    run = runner.run(connector_id, "courses")

    assert run.status == "partial"
    assert (run.created, run.rejected) == (9, 3)
    with sessions() as session:
        rejected = {r.external_id: r for r in session.scalars(select(Rejection))}
    assert set(rejected) == {"C0000002", "C0000005", None}
    assert "price_idr" in rejected["C0000002"].errors
    assert "duration_hours" in rejected["C0000005"].errors
    assert rejected["C0000002"].raw["harga"] == "Rp1.950.000,50"
    assert rejected["C0000002"].run_id == run.id
    assert "C0000002" not in stored(sessions)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body>502 Bad Gateway</body></html>", "text/html"),
        ('{"data": [{"kode": "C1", "judul": "Tru', "application/json"),
        ('{"data": [{"kode": "C1"}, 5]}', "application/json"),
        (b'{"data": [{"kode": "C1", "judul": "\xff"}]}', "application/json"),
    ],
    ids=["html", "truncated-json", "record-not-an-object", "record-not-utf-8"],
)
def test_source_answering_garbage_fails_the_run_and_leaves_data_untouched(
    mock: responses.RequestsMock,
    runner: SyncRunner,
    connector_id: int,
    sessions: Any,
    body: str | bytes,
    content_type: str,
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(8)])
    runner.run(connector_id, "courses")
    before = stored(sessions)
    mock.remove(responses.GET, f"{BASE}/courses")
    mock.add(responses.GET, f"{BASE}/courses", body=body, content_type=content_type)
    del catalog

    run = runner.run(connector_id, "courses")

    assert run.status == "failed"
    assert run.error_code == "source_format"
    assert stored(sessions) == before


def test_run_counts_rejections_of_a_source_that_stays_broken_every_time(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    records = [course(i) for i in range(4)]
    records[1]["durasi_jam"] = -3
    Catalog(mock, records)
    runner.run(connector_id, "courses")

    again = runner.run(connector_id, "courses")

    assert (again.unchanged, again.rejected, again.status) == (3, 1, "partial")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Rejection)) == 2


def test_first_sync_stores_a_record_repeated_in_a_later_batch_once(
    mock: responses.RequestsMock, sessions: Any, settings: Settings, connector_id: int
) -> None:
    # Pages of 10, a commit every 10 records: the repeat comes two commits after the original.
    records = [course(i) for i in range(25)] + [course(3)] + [course(i) for i in range(25, 30)]
    Catalog(mock, records)
    runner = SyncRunner(sessions, replace(settings, batch_size=10))

    run = runner.run(connector_id, "courses")

    assert counts(run) == {
        "read": 31,
        "created": 30,
        "updated": 0,
        "unchanged": 1,
        "deleted": 0,
        "rejected": 0,
    }
    assert set(stored(sessions).values()) == {(1, False)}
    assert change_ops(sessions) == [("upsert", 1)] * 30


def test_text_with_tabs_backslashes_and_line_breaks_is_stored_as_sent(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    records = [course(i) for i in range(3)]
    records[1]["deskripsi"] = 'Baris 1\nBaris\t2 \\N "kutip" \\\\ \r\u00e9 akhir'
    records[1]["kode"] = "C\\0001"
    Catalog(mock, records)

    runner.run(connector_id, "courses")

    with sessions() as session:
        row = session.execute(select(Course).where(Course.external_id == "C\\0001")).scalar_one()
        assert row.data["description"] == records[1]["deskripsi"]
        assert row.raw["deskripsi"] == records[1]["deskripsi"]
        assert row.data["external_id"] == "C\\0001"


def test_nul_characters_are_quarantined_or_replaced_and_never_fail_the_run(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    # PostgreSQL's text columns and jsonb refuse NUL: one such record used to fail the batch.
    records = [course(i) for i in range(5)]
    records[1]["judul"] = "Judul\u0000rusak"  # a stored text: refused, by field
    records[2]["kode"] = "C\u00002"  # the id itself: refused, kept without its id
    records[2]["durasi_jam"] = 0
    records[3]["catatan\u0000"] = "tak dipetakan \u0000"  # unmapped: stored, NUL replaced
    Catalog(mock, records)

    run = runner.run(connector_id, "courses")

    assert (run.status, run.created, run.rejected) == ("partial", 3, 2)
    with sessions() as session:
        rejected = {r.external_id: r for r in session.scalars(select(Rejection))}
        kept = session.execute(select(Course).where(Course.external_id == "C0000003")).scalar_one()
    assert rejected["C0000001"].errors == {"title": ["Must not contain a NUL character."]}
    assert rejected["C0000001"].raw["judul"] == "Judul\ufffdrusak"
    assert set(rejected[None].errors) == {"external_id", "duration_hours"}
    assert rejected[None].raw["kode"] == "C\ufffd2"
    assert kept.raw["catatan\ufffd"] == "tak dipetakan \ufffd"
    assert kept.data["title"] == records[3]["judul"]


def test_a_title_cut_inside_an_emoji_is_stored_with_u_fffd_and_the_run_says_so(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int, sessions: Any
) -> None:
    # The source cut "🚀" in half (JavaScript counts UTF-16 units) and escaped the half it kept.
    records = [course(i) for i in range(3)]
    records[1]["judul"] = "Kelas Roket \U0001f680"
    page = {"data": records, "meta": {"page": 1, "total_pages": 1}}
    body = orjson.dumps(page).decode().replace("\U0001f680", "\\ud83d")
    mock.add(responses.GET, f"{BASE}/courses", body=body, content_type="application/json")

    run = runner.run(connector_id, "courses")

    assert (run.status, run.created) == ("succeeded", 3), run.error_message
    with sessions() as session:
        row = session.execute(select(Course).where(Course.external_id == "C0000001")).scalar_one()
        notices = run_notices(session, run.id)
    assert row.data["title"] == row.raw["judul"] == "Kelas Roket \ufffd"
    assert notices == [{"code": "repaired_text", "message": REPAIRED_TEXT, "count": 1}]


def test_the_garbage_collector_is_on_again_after_a_run_even_a_failed_one(
    mock: responses.RequestsMock, runner: SyncRunner, connector_id: int
) -> None:
    catalog = Catalog(mock, [course(i) for i in range(30)])
    seen_during: list[bool] = []
    runner.on_progress = lambda run: seen_during.append(gc.isenabled())
    runner.run(connector_id, "courses")
    catalog.fail_from_page = 2

    failed = runner.run(connector_id, "courses")

    assert failed.status == "failed"
    assert seen_during
    assert not any(seen_during)
    assert gc.isenabled()
