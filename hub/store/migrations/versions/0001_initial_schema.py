"""initial schema

Revision ID: 0001
Revises:


"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "contact",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('training_provider', 'platform', 'payment_partner')",
            name=op.f("ck_partners_kind"),
        ),
        sa.CheckConstraint("status IN ('active', 'suspended')", name=op.f("ck_partners_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_partners_code")),
    )
    op.create_table(
        "sweep_seen",
        sa.Column("sweep_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("sweep_id", "external_id", name=op.f("pk_sweep_seen")),
    )
    op.create_table(
        "connectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("timezone", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('active', 'paused')", name=op.f("ck_connectors_status")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_connectors_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connectors")),
        sa.UniqueConstraint("partner_id", "name", name=op.f("uq_connectors_partner_id_name")),
    )
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connectors_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_oauth_clients_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_clients")),
    )
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_clients_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("course_id", sa.String(length=36), nullable=False),
        sa.Column("certificate_number", sa.String(length=128), nullable=False),
        sa.Column("participant_ref", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("raw_hash", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.CheckConstraint("status IN ('issued', 'revoked')", name=op.f("ck_certificates_status")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_certificates_revision")),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name=op.f("fk_certificates_connector_id_connectors"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_certificates_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint(
            "partner_id", "external_id", name=op.f("uq_certificates_partner_id_external_id")
        ),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_connector_id_deleted_at"),
            ["connector_id", "deleted_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_certificates_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_participant_ref"), ["participant_ref"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_partner_id_raw_hash"),
            ["partner_id", "raw_hash"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "courses",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("price_idr", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("raw_hash", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f("ck_courses_status")),
        sa.CheckConstraint("price_idr >= 0", name=op.f("ck_courses_price_idr")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_courses_revision")),
        sa.ForeignKeyConstraint(
            ["connector_id"], ["connectors.id"], name=op.f("fk_courses_connector_id_connectors")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_courses_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint(
            "partner_id", "external_id", name=op.f("uq_courses_partner_id_external_id")
        ),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_courses_connector_id_deleted_at"),
            ["connector_id", "deleted_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_courses_partner_id_raw_hash"), ["partner_id", "raw_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_courses_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "payments",
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_idr", sa.BigInteger(), nullable=False),
        sa.Column("transaction_code", sa.String(length=64), nullable=True),
        sa.Column("participant_ref", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("raw_hash", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'reversed')",
            name=op.f("ck_payments_status"),
        ),
        sa.CheckConstraint(
            "type IN ('purchase', 'disbursement', 'refund', 'reversal')",
            name=op.f("ck_payments_type"),
        ),
        sa.CheckConstraint("amount_idr >= 0", name=op.f("ck_payments_amount_idr")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_payments_revision")),
        sa.ForeignKeyConstraint(
            ["connector_id"], ["connectors.id"], name=op.f("fk_payments_connector_id_connectors")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payments_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "partner_id", "external_id", name=op.f("uq_payments_partner_id_external_id")
        ),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_connector_id_deleted_at"),
            ["connector_id", "deleted_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_payments_participant_ref"), ["participant_ref"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_partner_id_raw_hash"), ["partner_id", "raw_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_transaction_code"), ["transaction_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payments_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("records_read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint("mode IN ('full_refresh', 'incremental')", name=op.f("ck_runs_mode")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled')",
            name=op.f("ck_runs_status"),
        ),
        sa.CheckConstraint(
            "trigger IN ('manual', 'schedule', 'api', 'retry')", name=op.f("ck_runs_trigger")
        ),
        sa.ForeignKeyConstraint(
            ["connector_id"], ["connectors.id"], name=op.f("fk_runs_connector_id_connectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_runs_connector_id_stream_status"),
            ["connector_id", "stream", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_runs_status_created_at"), ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_runs_active_stream",
            ["connector_id", "stream"],
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )

    op.create_table(
        "stream_states",
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("sweep_id", sa.String(length=36), nullable=True),
        sa.Column("sweep_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name=op.f("fk_stream_states_connector_id_connectors"),
        ),
        sa.PrimaryKeyConstraint("connector_id", "stream", name=op.f("pk_stream_states")),
    )
    op.create_table(
        "changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "entity IN ('course', 'certificate', 'payment')", name=op.f("ck_changes_entity")
        ),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f("ck_changes_op")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_changes_run_id_runs")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_changes_partner_id_seq"), ["partner_id", "seq"], unique=False
        )

    op.create_table(
        "rejections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "entity IN ('course', 'certificate', 'payment')", name=op.f("ck_rejections_entity")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_rejections_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_rejections_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejections")),
    )
    with op.batch_alter_table("rejections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rejections_partner_id_entity_external_id"),
            ["partner_id", "entity", "external_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_rejections_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("rejections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejections_run_id"))
        batch_op.drop_index(batch_op.f("ix_rejections_partner_id_entity_external_id"))

    op.drop_table("rejections")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_partner_id_seq"))

    op.drop_table("changes")
    op.drop_table("stream_states")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_runs_active_stream",
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.drop_index(batch_op.f("ix_runs_status_created_at"))
        batch_op.drop_index(batch_op.f("ix_runs_connector_id_stream_status"))

    op.drop_table("runs")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_updated_at"))
        batch_op.drop_index(batch_op.f("ix_payments_transaction_code"))
        batch_op.drop_index(batch_op.f("ix_payments_partner_id_raw_hash"))
        batch_op.drop_index(batch_op.f("ix_payments_participant_ref"))
        batch_op.drop_index(batch_op.f("ix_payments_connector_id_deleted_at"))

    op.drop_table("payments")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_updated_at"))
        batch_op.drop_index(batch_op.f("ix_courses_partner_id_raw_hash"))
        batch_op.drop_index(batch_op.f("ix_courses_connector_id_deleted_at"))

    op.drop_table("courses")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_updated_at"))
        batch_op.drop_index(batch_op.f("ix_certificates_partner_id_raw_hash"))
        batch_op.drop_index(batch_op.f("ix_certificates_participant_ref"))
        batch_op.drop_index(batch_op.f("ix_certificates_course_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_connector_id_deleted_at"))

    op.drop_table("certificates")
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_clients_partner_id"))

    op.drop_table("oauth_clients")
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connectors_partner_id"))

    op.drop_table("connectors")
    op.drop_table("sweep_seen")
    op.drop_table("partners")
