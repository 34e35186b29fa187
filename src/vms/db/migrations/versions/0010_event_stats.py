"""Event statistics: closed events counted per hour, camera, label, rule and zone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "event_stats",
        sa.Column(
            "hour_ms",
            sa.BigInteger(),
            nullable=False,
            comment="Start of the UTC hour the events began in, Unix ms",
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
        sa.PrimaryKeyConstraint(
            "hour_ms", "camera_id", "label", "rule", "zone", name=op.f("pk_event_stats")
        ),
        comment="Closed events counted per hour, camera, label, rule and zone (a rollup kept in"
        " the closing transaction, so statistics never scan the events).",
    )
    _count_closed_events()


def _count_closed_events() -> None:
    """Events closed before this version, counted once here as the store counts them (kept in
    this file: a migration must not depend on code that changes after it)."""
    conn = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.String),
        sa.column("camera_id", sa.String),
        sa.column("label", sa.String),
        sa.column("start_ms", sa.BigInteger),
        sa.column("end_ms", sa.BigInteger),
        sa.column("rule", sa.String),
        sa.column("facts", sa.JSON),
    )
    zone_rows = sa.table(
        "event_zones", sa.column("event_id", sa.String), sa.column("zone", sa.String)
    )
    zones: dict[str, list[str]] = {}
    for event_id, zone in conn.execute(sa.select(zone_rows.c.event_id, zone_rows.c.zone)):
        zones.setdefault(event_id, []).append(zone)
    groups: dict[tuple[int, str, str, str, str], list[int]] = {}
    closed = sa.select(events).where(events.c.end_ms.is_not(None))
    for row in conn.execute(closed):
        hour = row.start_ms - row.start_ms % 3_600_000
        facts = row.facts or {}
        for zone in ("", *zones.get(row.id, [])):
            group = groups.setdefault(
                (hour, row.camera_id, row.label, row.rule or "", zone), [0] * 4
            )
            group[0] += 1
            group[1] += facts.get("direction") == "a_to_b"
            group[2] += facts.get("direction") == "b_to_a"
            group[3] = max(group[3], int(facts.get("peak_count") or 0))
    stats = sa.table(
        "event_stats",
        *(sa.column(name) for name in ("hour_ms", "camera_id", "label", "rule", "zone")),
        *(sa.column(name) for name in ("events", "crossings_in", "crossings_out", "peak")),
    )
    rows = [
        dict(zip(("hour_ms", "camera_id", "label", "rule", "zone"), key, strict=True))
        | dict(zip(("events", "crossings_in", "crossings_out", "peak"), counts, strict=True))
        for key, counts in groups.items()
    ]
    for start in range(0, len(rows), 1000):
        conn.execute(sa.insert(stats), rows[start : start + 1000])


def downgrade() -> None:
    op.drop_table("event_stats")
