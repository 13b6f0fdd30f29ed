"""Migrations 0008 and 0009 on a database holding data, both ways: documents, sweep marks and
rejections survive them, and the schema ends as the models describe it."""

from __future__ import annotations

import orjson
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from hub.store.migrate import MIGRATIONS, current_revision
from hub.store.models import Base

DOCUMENT = '{"external_id": "C-1", "title": "Kelas \\"kutip\\"", "tags": [1, 2.5, null]}'


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _stored(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as connection:
        return (
            connection.execute(text("SELECT data, raw FROM courses")).one(),
            connection.execute(text("SELECT sweep_id, external_id FROM sweep_seen")).all(),
            connection.execute(
                text("SELECT external_id, resolved_at IS NULL FROM rejections ORDER BY id")
            ).all(),
        )


def test_0008_keeps_documents_sweep_marks_and_rejections_both_ways(engine: Engine) -> None:
    _migrate(engine, "0007_monitoring", down=True)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO partners (id, kind, code, name, status, created_at, updated_at) "
                "VALUES ('p', 'training_provider', 'lpk-a', 'LPK A', 'active', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO courses (id, partner_id, external_id, revision, created_at, "
                "updated_at, data, raw, raw_hash, content_hash, title, status, price_idr) "
                "VALUES ('c', 'p', 'C-1', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :doc, :doc, "
                "'h', 'k', 'Kelas', 'active', 1)"
            ),
            {"doc": DOCUMENT},
        )
        connection.execute(text("INSERT INTO sweep_seen VALUES ('s', 'C-1'), ('s', 'C-2')"))
        connection.execute(
            text(
                "INSERT INTO rejections (partner_id, entity, external_id, raw, errors, "
                "created_at, resolved_at) VALUES "
                "('p', 'course', 'C-3', '{}', '{}', CURRENT_TIMESTAMP, NULL), "
                "('p', 'course', 'C-4', '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    before = _stored(engine)

    _migrate(engine, "0008_store_speed")
    after = _stored(engine)
    _migrate(engine, "0007_monitoring", down=True)
    back = _stored(engine)
    _migrate(engine, "0008_store_speed")

    assert after == before == back
    assert current_revision(engine) == "0008_store_speed"
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            created = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'sweep_seen'")
            ).scalar_one()
        assert created.endswith("WITHOUT ROWID")


def test_0009_keeps_a_sweep_s_marks_both_ways(engine: Engine) -> None:
    _migrate(engine, "0008_store_speed", down=True)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO sweep_seen VALUES ('s', 'C-1'), ('s', 'C-2'), ('t', 'C-1')")
        )

    _migrate(engine, "head")
    with engine.connect() as connection:
        batches = connection.execute(
            text("SELECT sweep_id, external_ids FROM sweep_seen ORDER BY sweep_id")
        ).all()
    _migrate(engine, "0008_store_speed", down=True)
    with engine.connect() as connection:
        marks = connection.execute(
            text("SELECT sweep_id, external_id FROM sweep_seen ORDER BY sweep_id, external_id")
        ).all()
    _migrate(engine, "head")

    assert [(sweep, sorted(orjson.loads(ids))) for sweep, ids in batches] == [
        ("s", ["C-1", "C-2"]),
        ("t", ["C-1"]),
    ]
    assert [tuple(mark) for mark in marks] == [("s", "C-1"), ("s", "C-2"), ("t", "C-1")]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
