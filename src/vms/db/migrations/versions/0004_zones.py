"""Zones and lines per camera (drawn in the web client; read by analytics rules)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "camera_zones",
        sa.Column(
            "camera_id",
            sa.String(63),
            sa.ForeignKey(
                "cameras.id", ondelete="CASCADE", name="fk_camera_zones_camera_id_cameras"
            ),
            nullable=False,
            comment="Camera whose picture the zone is drawn on; removed with the camera",
        ),
        sa.Column(
            "name",
            sa.String(64),
            nullable=False,
            comment="Name shown to users, unique per camera",
        ),
        sa.Column(
            "position", sa.Integer(), nullable=False, comment="Order in the camera's list, 0 first"
        ),
        sa.Column(
            "kind",
            sa.String(8),
            nullable=False,
            comment="'zone' (closed polygon, 3+ points) or 'line' (2 points, directed)",
        ),
        sa.Column(
            "points",
            sa.JSON(),
            nullable=False,
            comment="[[x, y], ...] normalised to the picture: 0..1 from the top-left corner",
        ),
        sa.Column(
            "updated_ms",
            sa.BigInteger(),
            nullable=False,
            comment="When the camera's zones were last saved, Unix ms",
        ),
        sa.CheckConstraint("kind IN ('zone', 'line')", name="ck_camera_zones_kind"),
        sa.PrimaryKeyConstraint("camera_id", "name", name="pk_camera_zones"),
        comment="Zones (polygons) and lines drawn on a camera's picture, for analytics rules.",
    )


def downgrade() -> None:
    op.drop_table("camera_zones")
