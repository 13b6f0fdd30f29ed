"""Syncing the sandbox for real: every partner registered, every stream synced through its
definition, and the hub holding exactly what the sandbox says it should."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.connections.secrets import ConfigSealer
from hub.sandbox import expected
from hub.sandbox.population import World, build_world
from hub.sandbox.registration import Registered, register_sandbox, sync_registered
from hub.sandbox.server import Sandbox, serve_sandbox
from hub.settings import Settings, load_settings
from hub.store.db import make_engine, session_factory
from hub.store.models import Change, ConnectorInstance, Course, Partner, Rejection, Run
from hub.sync.runner import SyncRunner

ENTITY_OF = {"courses": "course", "certificates": "certificate", "payments": "payment"}


def one_per_style(registered: list[Registered], world: World) -> list[Registered]:
    """The first registered partner of each style."""
    chosen: dict[str, Registered] = {}
    for entry in registered:
        chosen.setdefault(world.by_code[entry.partner_code].style, entry)
    return list(chosen.values())


def check_first_sync(
    sessions: sessionmaker[Session],
    world: World,
    runs: list[tuple[Registered, str, Run]],
) -> None:
    """Every stream read what the sandbox serves, stored all but the malformed records, and
    quarantined each malformed one with its expected field error."""
    counts = expected.counts(world)
    malformed = expected.malformed(world)
    for entry, stream, run in runs:
        bad = malformed.get(entry.partner_code, {}).get(stream, {})
        served = counts[entry.partner_code][stream]
        where = f"{entry.partner_code} {stream}: {run.error_code} {run.error_message}"
        assert run.status == ("partial" if bad else "succeeded"), where
        assert (run.records_read, run.created, run.rejected) == (
            served,
            served - len(bad),
            len(bad),
        ), where
        with sessions() as session:
            quarantined = {
                r.external_id: r.errors
                for r in session.scalars(select(Rejection).where(Rejection.run_id == run.id))
            }
        assert quarantined == bad, where


def course_rows(
    sessions: sessionmaker[Session], partner_ids: list[str]
) -> dict[str, tuple[Any, ...]]:
    with sessions() as session:
        rows = session.execute(
            select(Course.external_id, Course.revision, Course.updated_at, Course.deleted_at).where(
                Course.partner_id.in_(partner_ids)
            )
        )
        return {ext: (revision, updated, deleted) for ext, revision, updated, deleted in rows}


def check_catalog_change(
    sessions: sessionmaker[Session],
    sandbox: Sandbox,
    runner: SyncRunner,
    registered: list[Registered],
) -> None:
    """After catalog version 2, a re-sync makes exactly the expected changes and leaves every
    other course untouched (same revision, same updated_at)."""
    world = sandbox.world
    providers = [r for r in registered if "courses" in r.streams]
    ids = [r.partner_id for r in providers]
    before = course_rows(sessions, ids)
    with sessions() as session:
        last_seq = session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
    sandbox.version = 2
    runs = sync_registered(runner, providers, streams={"courses"})
    changes = expected.changes(world)
    after = course_rows(sessions, ids)
    touched: set[str] = set()
    for entry, _, run in runs:
        want = changes[entry.partner_code]
        where = f"{entry.partner_code}: {run.error_code} {run.error_message}"
        assert (run.created, run.updated, run.deleted) == (
            len(want["created"]),
            len(want["updated"]),
            len(want["deleted"]),
        ), where
        for ext in want["created"]:
            assert after[ext][0] == 1
            assert after[ext][2] is None
        for ext in want["updated"]:
            assert after[ext][0] == before[ext][0] + 1
        for ext in want["deleted"]:
            assert after[ext][2] is not None
        touched.update(want["created"] + want["updated"] + want["deleted"])
    untouched = {ext: row for ext, row in before.items() if ext not in touched}
    assert untouched == {ext: after[ext] for ext in untouched}
    with sessions() as session:
        logged = session.execute(
            select(Change.op, Course.external_id)
            .join(Course, Course.id == Change.entity_id)
            .where(Change.seq > last_seq)
        ).all()
    want_ops = sorted(
        [("upsert", ext) for c in changes.values() if c for ext in c["created"] + c["updated"]]
        + [("delete", ext) for c in changes.values() for ext in c["deleted"]]
    )
    codes = {r.partner_code for r in providers}
    want_ops = [
        (op, ext)
        for op, ext in want_ops
        if any(ext.startswith(world.by_code[code].prefix + "-") for code in codes)
    ]
    assert sorted(logged) == want_ops


@pytest.fixture
def sqlite_settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    return load_settings(
        {"data_dir": tmp_path, "database_url": f"sqlite:///{path}", "secret_key": "test-secret"},
        environ={},
    )


@pytest.fixture
def default_sandbox() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(build_world(seed=1))
    with serve_sandbox(sandbox) as url:
        yield sandbox, url


def test_the_whole_default_sandbox_syncs_exactly_and_its_catalog_change_too(
    sqlite_settings: Settings, default_sandbox: tuple[Sandbox, str]
) -> None:
    sandbox, url = default_sandbox
    engine = make_engine(sqlite_settings.database_url)
    sessions = session_factory(engine)
    try:
        with sessions.begin() as session:
            registered = register_sandbox(
                session, sandbox.world, url, ConfigSealer(sqlite_settings)
            )
        runner = SyncRunner(sessions, sqlite_settings)
        runs = sync_registered(runner, registered)
        assert len(runs) == 180 * 2 + 5
        check_first_sync(sessions, sandbox.world, runs)
        check_catalog_change(sessions, sandbox, runner, registered)
    finally:
        engine.dispose()


def test_one_partner_per_style_on_each_backend(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    sandbox = Sandbox(build_world(seed=5, scale=12_000))
    with serve_sandbox(sandbox) as url:
        with sessions.begin() as session:
            registered = one_per_style(
                register_sandbox(session, sandbox.world, url, ConfigSealer(settings)),
                sandbox.world,
            )
        assert len(registered) == 9
        runner = SyncRunner(sessions, settings)
        check_first_sync(sessions, sandbox.world, sync_registered(runner, registered))
        check_catalog_change(sessions, sandbox, runner, registered)


def test_registering_again_reuses_partners_and_connectors(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    world = build_world(seed=1)
    with sessions.begin() as session:
        first = register_sandbox(session, world, "http://127.0.0.1:8900", ConfigSealer(settings))
    with sessions.begin() as session:
        again = register_sandbox(session, world, "http://127.0.0.1:8901", ConfigSealer(settings))
    assert all(r.created for r in first)
    assert not any(r.created for r in again)
    assert [r.connector_id for r in again] == [r.connector_id for r in first]
    with sessions() as session:
        assert len(session.scalars(select(Partner)).all()) == 185
        configs = session.scalars(select(ConnectorInstance)).all()
    assert len(configs) == 185
    assert all(c.config["base_url"].startswith("http://127.0.0.1:8901/") for c in configs)
    assert {c.type for c in configs} == {"declarative"}
