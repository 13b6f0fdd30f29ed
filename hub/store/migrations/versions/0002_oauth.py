"""OAuth 2.0 authorization server: signing keys, revoked tokens, spent client assertions, and
clients that authenticate with a registered key (private_key_jwt).

Revision ID: 0002_oauth
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_oauth"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("alg", sa.String(length=8), nullable=False),
        sa.Column("public_jwk", DOCUMENT, nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("is_current", name=op.f("ck_signing_keys_is_current")),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("is_current", name=op.f("uq_signing_keys_is_current")),
    )
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name=op.f("fk_revoked_tokens_client_id_oauth_clients"),
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_tokens")),
    )
    with op.batch_alter_table("revoked_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revoked_tokens_client_id"), ["client_id"])
        batch_op.create_index(batch_op.f("ix_revoked_tokens_expires_at"), ["expires_at"])

    op.create_table(
        "spent_assertions",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name=op.f("fk_spent_assertions_client_id_oauth_clients"),
        ),
        sa.PrimaryKeyConstraint("client_id", "jti", name=op.f("pk_spent_assertions")),
    )
    with op.batch_alter_table("spent_assertions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spent_assertions_expires_at"), ["expires_at"])

    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jwks", DOCUMENT, nullable=True))
        batch_op.alter_column("secret_hash", existing_type=sa.String(length=128), nullable=True)
        batch_op.create_check_constraint(
            "one_credential", "(secret_hash IS NULL) <> (jwks IS NULL)"
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_constraint("ck_oauth_clients_one_credential", type_="check")
        batch_op.alter_column("secret_hash", existing_type=sa.String(length=128), nullable=False)
        batch_op.drop_column("jwks")
    op.drop_table("spent_assertions")
    op.drop_table("revoked_tokens")
    op.drop_table("signing_keys")
