"""API: idempotent push requests; runs triggered by a push

Revision ID: 0003_api
Revises: 0002_oauth

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0003_api"
down_revision: str | Sequence[str] | None = "0002_oauth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS_BEFORE = "trigger IN ('manual', 'schedule', 'api', 'retry')"
_TRIGGERS_AFTER = "trigger IN ('manual', 'schedule', 'api', 'retry', 'push')"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "idempotent_requests",
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_idempotent_requests_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_idempotent_requests_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("partner_id", "key", name=op.f("pk_idempotent_requests")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_runs_trigger"), type_="check")
        batch_op.create_check_constraint(op.f("ck_runs_trigger"), _TRIGGERS_AFTER)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_runs_trigger"), type_="check")
        batch_op.create_check_constraint(op.f("ck_runs_trigger"), _TRIGGERS_BEFORE)
    op.drop_table("idempotent_requests")
