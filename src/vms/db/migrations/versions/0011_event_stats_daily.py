"""Event statistics per day of the site's time zone (filled from event_stats at start)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "event_stats_daily",
        sa.Column(
            "day_ms",
            sa.BigInteger(),
            nullable=False,
            comment="Midnight of the site's day the events began in",
        ),
        sa.Column("camera_id", sa.String(63), nullable=False, comment="Camera"),
        sa.Column("label", sa.String(32), nullable=False, comment="Event label"),
        sa.Column("rule", sa.String(64), nullable=False, comment="Rule; '' for motion"),
        sa.Column(
            "zone",
            sa.String(64),
            nullable=False,
            comment="'' counts each event once; a zone name its zone's",
        ),
        sa.Column("events", sa.BigInteger(), nullable=False, comment="Events closed in this group"),
        sa.Column("crossings_in", sa.BigInteger(), nullable=False, comment="Line crossings A to B"),
        sa.Column(
            "crossings_out", sa.BigInteger(), nullable=False, comment="Line crossings B to A"
        ),
        sa.Column(
            "peak", sa.BigInteger(), nullable=False, comment="Count rules: most objects at once"
        ),
        sa.Column("tz", sa.String(64), nullable=False, comment="The IANA zone the days are cut in"),
        sa.PrimaryKeyConstraint(
            "day_ms", "camera_id", "label", "rule", "zone", name=op.f("pk_event_stats_daily")
        ),
        comment="The hourly rollup summed per day of the site's time zone, so a year of"
        " statistics reads hundreds of rows, not hundreds of thousands; rebuilt from"
        " event_stats when the site's zone changes.",
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("event_stats_daily")
