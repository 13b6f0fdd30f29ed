"""cheaper writes of synced records: verbatim json documents on postgresql, a hash index on
raw_hash, an index of open rejections only, sweep_seen without rowid on sqlite

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


OPEN = sa.text("resolved_at IS NULL")


def _rebuild_sweep_seen(suffix: str) -> None:
    """SQLite only: sweep_seen made anew, `suffix` after its primary key, its marks kept (a sweep
    cut short resumes with them)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE sweep_seen_rebuilt (sweep_id VARCHAR(36) NOT NULL, "
        "external_id VARCHAR(128) NOT NULL, "
        f"CONSTRAINT pk_sweep_seen PRIMARY KEY (sweep_id, external_id)){suffix}"
    )
    op.execute("INSERT INTO sweep_seen_rebuilt SELECT sweep_id, external_id FROM sweep_seen")
    op.execute("DROP TABLE sweep_seen")
    op.execute("ALTER TABLE sweep_seen_rebuilt RENAME TO sweep_seen")


def upgrade() -> None:
    """Upgrade schema."""
    _retype(postgresql.JSON(), postgresql.JSONB())
    for table in ENTITY_TABLES:
        op.drop_index(f"ix_{table}_partner_id_raw_hash", table_name=table)
        op.create_index(f"ix_{table}_raw_hash", table, ["raw_hash"], postgresql_using="hash")
    op.drop_index("ix_rejections_partner_id_entity_external_id", table_name="rejections")
    op.create_index(
        "ix_rejections_partner_id_entity_external_id",
        "rejections",
        ["partner_id", "entity", "external_id"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    _rebuild_sweep_seen(" WITHOUT ROWID")


def downgrade() -> None:
    """Downgrade schema."""
    _rebuild_sweep_seen("")
    op.drop_index("ix_rejections_partner_id_entity_external_id", table_name="rejections")
    op.create_index(
        "ix_rejections_partner_id_entity_external_id",
        "rejections",
        ["partner_id", "entity", "external_id"],
    )
    for table in ENTITY_TABLES:
        op.drop_index(f"ix_{table}_raw_hash", table_name=table)
        op.create_index(f"ix_{table}_partner_id_raw_hash", table, ["partner_id", "raw_hash"])
    _retype(postgresql.JSONB(), postgresql.JSON())
