"""Object detection per camera (a camera field, no longer a map in the config file's analytics
section), and masks: a third kind of drawn area, where detections are ignored."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(
            sa.Column(
                "detect",
                sa.String(8),
                nullable=True,
                comment="Object detection: 'off', 'motion' or 'always';"
                " NULL: analytics.detect_default",
            )
        )
        batch.create_check_constraint("ck_cameras_detect", "detect IN ('off', 'motion', 'always')")
    with op.batch_alter_table("camera_zones") as batch:
        batch.drop_constraint("ck_camera_zones_kind", type_="check")
        batch.create_check_constraint("ck_camera_zones_kind", "kind IN ('zone', 'line', 'mask')")
        batch.alter_column(
            "kind",
            existing_type=sa.String(8),
            existing_nullable=False,
            comment="'zone' (closed polygon, 3+ points), 'line' (2 points, directed) or 'mask'"
            " (closed polygon where detections are ignored)",
            existing_comment="'zone' (closed polygon, 3+ points) or 'line' (2 points, directed)",
        )


def downgrade() -> None:
    op.execute("DELETE FROM camera_zones WHERE kind = 'mask'")
    with op.batch_alter_table("camera_zones") as batch:
        batch.drop_constraint("ck_camera_zones_kind", type_="check")
        batch.create_check_constraint("ck_camera_zones_kind", "kind IN ('zone', 'line')")
        batch.alter_column(
            "kind",
            existing_type=sa.String(8),
            existing_nullable=False,
            comment="'zone' (closed polygon, 3+ points) or 'line' (2 points, directed)",
            existing_comment="'zone' (closed polygon, 3+ points), 'line' (2 points, directed) or"
            " 'mask' (closed polygon where detections are ignored)",
        )
    with op.batch_alter_table("cameras") as batch:
        batch.drop_constraint("ck_cameras_detect", type_="check")
        batch.drop_column("detect")
