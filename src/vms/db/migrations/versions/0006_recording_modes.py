"""Recording modes per camera: continuous, on events only, or continuous with event retention."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(
            sa.Column(
                "recording_mode",
                sa.String(24),
                server_default="continuous",
                nullable=False,
                comment="'continuous', 'events' (only around events) or 'continuous_events'",
            )
        )
        batch.add_column(
            sa.Column(
                "pre_roll_s",
                sa.Float(),
                server_default="5",
                nullable=False,
                comment="Seconds recorded before an event (events modes)",
            )
        )
        batch.add_column(
            sa.Column(
                "post_roll_s",
                sa.Float(),
                server_default="10",
                nullable=False,
                comment="Seconds recorded after an event ends (events modes)",
            )
        )
        batch.add_column(
            sa.Column(
                "event_retention_days",
                sa.Integer(),
                server_default="30",
                nullable=False,
                comment="Days the recordings around an event are locked",
            )
        )
        batch.create_check_constraint(
            "ck_cameras_recording_mode",
            "recording_mode IN ('continuous', 'events', 'continuous_events')",
        )


def downgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.drop_constraint("ck_cameras_recording_mode", type_="check")
        batch.drop_column("event_retention_days")
        batch.drop_column("post_roll_s")
        batch.drop_column("pre_roll_s")
        batch.drop_column("recording_mode")
