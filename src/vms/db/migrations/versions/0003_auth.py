"""Authentication: users (Argon2id password hashes, roles, preferences) and browser sessions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BigIntId, primary_key=True, comment="User id"),
        sa.Column(
            "username",
            sa.String(64),
            nullable=False,
            comment="Sign-in name, unique, compared case-sensitively",
        ),
        sa.Column(
            "password_hash", sa.Text(), nullable=False, comment="Argon2id hash (PHC string format)"
        ),
        sa.Column("role", sa.String(16), nullable=False, comment="'viewer', 'operator' or 'admin'"),
        sa.Column(
            "disabled", sa.Boolean(), nullable=False, comment="A disabled user cannot sign in"
        ),
        sa.Column(
            "created_ms", sa.BigInteger(), nullable=False, comment="When the user was made, Unix ms"
        ),
        sa.Column(
            "preferences",
            sa.Text(),
            nullable=False,
            comment="The web client's settings for this user (grid layout), JSON",
        ),
        sa.CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="ck_users_role"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        comment="People who may sign in; passwords are stored only as Argon2id hashes.",
    )
    op.create_table(
        "auth_sessions",
        sa.Column(
            "token_hash",
            sa.String(64),
            primary_key=True,
            comment="SHA-256 (hex) of the session token",
        ),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_auth_sessions_user_id_users"),
            nullable=False,
            comment="Who signed in",
        ),
        sa.Column(
            "created_ms", sa.BigInteger(), nullable=False, comment="When they signed in, Unix ms"
        ),
        sa.Column(
            "last_seen_ms",
            sa.BigInteger(),
            nullable=False,
            comment="Last request on this session (kept to within a few minutes), Unix ms",
        ),
        sa.Column(
            "expires_ms",
            sa.BigInteger(),
            nullable=False,
            comment="Hard end of the session regardless of use, Unix ms",
        ),
        comment="Signed-in browser sessions; the cookie holds a token, the table its hash.",
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_auth_sessions_user_id", table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_table("users")
