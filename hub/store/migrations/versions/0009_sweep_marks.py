"""sweep marks a batch to a row: sweep_seen keeps a JSON array of external ids per row

Revision ID: 0009_sweep_marks
Revises: 0008_store_speed

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.store.types import BigKey

# revision identifiers, used by Alembic.
revision: str = "0009_sweep_marks"
down_revision: str | Sequence[str] | None = "0008_store_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _set_aside(name: str, postgres: bool) -> None:
    """Rename sweep_seen to `name`, its primary key too where the key's name is the index's,
    global to the schema (PostgreSQL), so that the new table can take both names."""
    if postgres:
        op.execute(f"ALTER TABLE sweep_seen RENAME CONSTRAINT pk_sweep_seen TO pk_{name}")
    op.rename_table("sweep_seen", name)


def upgrade() -> None:
    """Upgrade schema: the marks of a sweep under way are kept, one row per sweep."""
    postgres = op.get_bind().dialect.name == "postgresql"
    _set_aside("sweep_seen_old", postgres)
    op.create_table(
        "sweep_seen",
        sa.Column("id", BigKey, primary_key=True, autoincrement=True),
        sa.Column("sweep_id", sa.String(36), nullable=False),
        sa.Column("external_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep_seen")),
    )
    op.create_index(op.f("ix_sweep_seen_sweep_id"), "sweep_seen", ["sweep_id"])
    ids = "json_agg(external_id)::text" if postgres else "json_group_array(external_id)"
    op.execute(
        f"INSERT INTO sweep_seen (sweep_id, external_ids) "
        f"SELECT sweep_id, {ids} FROM sweep_seen_old GROUP BY sweep_id"
    )
    op.drop_table("sweep_seen_old")


def downgrade() -> None:
    """Downgrade schema: one row per mark again (without rowid on SQLite, as 0008 left it)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    _set_aside("sweep_seen_new", postgres)
    op.drop_index(op.f("ix_sweep_seen_sweep_id"), table_name="sweep_seen_new")
    op.create_table(
        "sweep_seen",
        sa.Column("sweep_id", sa.String(36), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("sweep_id", "external_id", name=op.f("pk_sweep_seen")),
        sqlite_with_rowid=False,
    )
    ids = (
        "json_array_elements_text(CAST(m.external_ids AS json)) AS e(value)"
        if postgres
        else "json_each(m.external_ids) AS e"
    )
    op.execute(
        "INSERT INTO sweep_seen (sweep_id, external_id) "
        f"SELECT DISTINCT m.sweep_id, e.value FROM sweep_seen_new AS m, {ids}"
    )
    op.drop_table("sweep_seen_new")
