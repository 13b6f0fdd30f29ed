"""run notices: records skipped by a rule and schema-drift warnings, per run

Revision ID: 0005_declarative
Revises: 0001

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005_declarative"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "run_notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_notices_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_notices")),
        sa.UniqueConstraint(
            "run_id", "code", "message", name=op.f("uq_run_notices_run_id_code_message")
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("run_notices")
