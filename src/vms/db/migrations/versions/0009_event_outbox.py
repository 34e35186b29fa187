"""The event outbox: messages for delivery targets (webhooks), written with the event."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False, comment="Order of writing"),
        sa.Column(
            "message_id",
            sa.String(32),
            nullable=False,
            comment="Idempotency id sent with every try (random hex)",
        ),
        sa.Column(
            "target", sa.String(63), nullable=False, comment="Delivery target's configured name"
        ),
        sa.Column(
            "event_id",
            sa.String(32),
            nullable=False,
            comment="The event (no FK: the message outlives a purged event)",
        ),
        sa.Column("camera_id", sa.String(63), nullable=False, comment="The event's camera"),
        sa.Column("phase", sa.String(8), nullable=False, comment="'opened', 'updated' or 'closed'"),
        sa.Column("payload", sa.JSON(), nullable=False, comment="The message body, as sent"),
        sa.Column("created_ms", sa.BigInteger(), nullable=False, comment="Written, Unix ms"),
        sa.Column("attempts", sa.BigInteger(), nullable=False, comment="Failed tries so far"),
        sa.Column(
            "next_attempt_ms", sa.BigInteger(), nullable=False, comment="Not tried before, Unix ms"
        ),
        sa.Column("last_error", sa.Text(), nullable=True, comment="Why the last try failed"),
        sa.Column(
            "dead_ms",
            sa.BigInteger(),
            nullable=True,
            comment="When it became a dead letter; NULL while it is still tried",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_event_outbox_message_id")),
        comment="Event messages waiting for a delivery target's acknowledgement, written in the"
        " event's own transaction; deleted once acknowledged.",
    )
    op.create_index("ix_event_outbox_target_id", "event_outbox", ["target", "id"])
    op.create_index("ix_event_outbox_dead_ms", "event_outbox", ["dead_ms"])


def downgrade() -> None:
    op.drop_index("ix_event_outbox_dead_ms", table_name="event_outbox")
    op.drop_index("ix_event_outbox_target_id", table_name="event_outbox")
    op.drop_table("event_outbox")
