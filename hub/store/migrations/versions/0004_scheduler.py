"""scheduling, dispatch and monitoring: schedules, due-slot claims, connector events, run logs

Revision ID: 0004_scheduler
Revises: 0003_api

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004_scheduler"
down_revision: str | Sequence[str] | None = "0003_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "connector_events",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "event IN ('scheduled', 'paused', 'resumed')", name=op.f("ck_connector_events_event")
        ),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name=op.f("fk_connector_events_connector_id_connectors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_events")),
    )
    with op.batch_alter_table("connector_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connector_events_connector_id_id"), ["connector_id", "id"], unique=False
        )

    op.create_table(
        "connector_schedules",
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=True),
        sa.Column("cron", sa.String(length=120), nullable=True),
        sa.Column("jitter_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(interval_seconds IS NULL) <> (cron IS NULL)",
            name=op.f("ck_connector_schedules_one_kind"),
        ),
        sa.CheckConstraint(
            "interval_seconds > 0", name=op.f("ck_connector_schedules_interval_seconds")
        ),
        sa.CheckConstraint(
            "jitter_seconds >= 0", name=op.f("ck_connector_schedules_jitter_seconds")
        ),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name=op.f("fk_connector_schedules_connector_id_connectors"),
        ),
        sa.PrimaryKeyConstraint("connector_id", name=op.f("pk_connector_schedules")),
    )
    with op.batch_alter_table("connector_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connector_schedules_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "run_logs",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("logger", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_logs_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_logs")),
    )
    with op.batch_alter_table("run_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_logs_run_id_id"), ["run_id", "id"], unique=False)

    op.create_table(
        "schedule_slots",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('schedule', 'retry')", name=op.f("ck_schedule_slots_kind")),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name=op.f("fk_schedule_slots_connector_id_connectors"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_schedule_slots_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_slots")),
        sa.UniqueConstraint(
            "connector_id",
            "stream",
            "due_at",
            name=op.f("uq_schedule_slots_connector_id_stream_due_at"),
        ),
    )
    with op.batch_alter_table("schedule_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_slots_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("full_refresh", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_runs_connector_id_id"), ["connector_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_runs_status_id"), ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_finished_at"), ["finished_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_finished_at"))
        batch_op.drop_index(batch_op.f("ix_runs_status_id"))
        batch_op.drop_index(batch_op.f("ix_runs_connector_id_id"))
        batch_op.drop_column("full_refresh")

    with op.batch_alter_table("schedule_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_slots_run_id"))

    op.drop_table("schedule_slots")
    with op.batch_alter_table("run_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_logs_run_id_id"))

    op.drop_table("run_logs")
    with op.batch_alter_table("connector_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connector_schedules_updated_at"))

    op.drop_table("connector_schedules")
    with op.batch_alter_table("connector_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connector_events_connector_id_id"))

    op.drop_table("connector_events")
