"""index for connector failure streaks

Revision ID: 0007_monitoring
Revises: 0006_dashboard

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007_monitoring"
down_revision: str | Sequence[str] | None = "0006_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        op.f("ix_runs_connector_id_status_id"), "runs", ["connector_id", "status", "id"]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_runs_connector_id_status_id"), table_name="runs")
