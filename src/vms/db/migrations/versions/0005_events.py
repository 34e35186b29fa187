"""Events from analytics (with one snapshot each) and the per-camera motion switch."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(
            sa.Column(
                "motion_enabled",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="Whether motion detection records events for the camera",
            )
        )
    op.create_table(
        "events",
        sa.Column("id", sa.String(32), nullable=False, comment="Random hex id"),
        sa.Column(
            "camera_id",
            sa.String(63),
            sa.ForeignKey("cameras.id", ondelete="CASCADE", name="fk_events_camera_id_cameras"),
            nullable=False,
            comment="Camera the event happened on; its events go with it",
        ),
        sa.Column(
            "label", sa.String(32), nullable=False, comment="What happened: 'motion', 'person'..."
        ),
        sa.Column(
            "score",
            sa.Float(),
            nullable=False,
            comment="0..1, the peak confidence (motion: share of the watched area that moved)",
        ),
        sa.Column(
            "start_ms", sa.BigInteger(), nullable=False, comment="When it began, Unix ms UTC"
        ),
        sa.Column(
            "end_ms",
            sa.BigInteger(),
            nullable=True,
            comment="When it ended, Unix ms UTC; NULL while it goes on",
        ),
        sa.Column(
            "updated_ms", sa.BigInteger(), nullable=False, comment="Last change of the row, Unix ms"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        comment="Things analytics saw happen on a camera (motion, later objects).",
    )
    op.create_index("ix_events_start_ms", "events", ["start_ms"])
    op.create_index("ix_events_camera_id_start_ms", "events", ["camera_id", "start_ms"])
    op.create_table(
        "event_zones",
        sa.Column(
            "event_id",
            sa.String(32),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_event_zones_event_id_events"),
            nullable=False,
            comment="The event; removed with it",
        ),
        sa.Column(
            "zone",
            sa.String(64),
            nullable=False,
            comment="Zone name as it was when the event happened",
        ),
        sa.PrimaryKeyConstraint("event_id", "zone", name="pk_event_zones"),
        comment="The zones each event touched (a row per zone), for search by zone.",
    )
    op.create_index("ix_event_zones_zone", "event_zones", ["zone"])
    op.create_table(
        "event_snapshots",
        sa.Column(
            "event_id",
            sa.String(32),
            sa.ForeignKey(
                "events.id", ondelete="CASCADE", name="fk_event_snapshots_event_id_events"
            ),
            nullable=False,
            comment="The event pictured; removed with it",
        ),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False, comment="The picture, JPEG"),
        sa.Column(
            "taken_ms", sa.BigInteger(), nullable=False, comment="Wall clock of the frame, Unix ms"
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_snapshots"),
        comment="One JPEG per event: the picture at its strongest moment.",
    )


def downgrade() -> None:
    op.drop_table("event_snapshots")
    op.drop_index("ix_event_zones_zone", table_name="event_zones")
    op.drop_table("event_zones")
    op.drop_index("ix_events_camera_id_start_ms", table_name="events")
    op.drop_index("ix_events_start_ms", table_name="events")
    op.drop_table("events")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("motion_enabled")
