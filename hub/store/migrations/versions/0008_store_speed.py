"""entity documents as verbatim json on postgresql

Revision ID: 0008_store_speed
Revises: 0007_monitoring

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0008_store_speed"
down_revision: str | Sequence[str] | None = "0007_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITY_TABLES = ("courses", "certificates", "payments")
DOCUMENTS = ("data", "raw")


def _retype(to: sa.types.TypeEngine[object], was: sa.types.TypeEngine[object]) -> None:
    """PostgreSQL only: SQLite keeps JSON as text either way."""
    if op.get_bind().dialect.name != "postgresql":
        return
    name = to.compile(dialect=postgresql.dialect())
    for table in ENTITY_TABLES:
        for column in DOCUMENTS:
            op.alter_column(
                table,
                column,
                type_=to,
                existing_type=was,
                existing_nullable=False,
                postgresql_using=f"{column}::{name}",
            )


def upgrade() -> None:
    """Upgrade schema."""
    _retype(postgresql.JSON(), postgresql.JSONB())


def downgrade() -> None:
    """Downgrade schema."""
    _retype(postgresql.JSONB(), postgresql.JSON())
