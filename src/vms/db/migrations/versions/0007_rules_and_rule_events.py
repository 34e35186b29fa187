"""Analytics rules per camera, and what events from rules carry: the rule (searched), its facts
(kind, track, direction, counts, peak count, path) and a cropped thumbnail beside the snapshot."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "camera_rules",
        sa.Column(
            "camera_id",
            sa.String(63),
            sa.ForeignKey(
                "cameras.id", ondelete="CASCADE", name="fk_camera_rules_camera_id_cameras"
            ),
            nullable=False,
            comment="Camera the rules run on; removed with the camera",
        ),
        sa.Column("rules", sa.JSON(), nullable=False, comment="[rule, ...] CameraRules"),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False, comment="Last saved, Unix ms"),
        sa.PrimaryKeyConstraint("camera_id", name="pk_camera_rules"),
        comment="Each camera's analytics rules, as one JSON document.",
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column(
                "rule", sa.String(64), nullable=True, comment="Rule that made it; NULL: motion"
            )
        )
        batch.add_column(
            sa.Column("facts", sa.JSON(), nullable=True, comment="Rule kind, track, path")
        )
        batch.create_index("ix_events_rule", ["rule"])
    with op.batch_alter_table("event_snapshots") as batch:
        batch.add_column(
            sa.Column("thumbnail", sa.LargeBinary(), nullable=True, comment="Object cropped, JPEG")
        )


def downgrade() -> None:
    with op.batch_alter_table("event_snapshots") as batch:
        batch.drop_column("thumbnail")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_rule")
        batch.drop_column("facts")
        batch.drop_column("rule")
    op.drop_table("camera_rules")
