"""The events room's tables: events, their zones and snapshots, and the delivery outbox."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vms.db.base import Base, BigIntId


class EventTable(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_start_ms", "start_ms"),
        Index("ix_events_camera_id_start_ms", "camera_id", "start_ms"),
        Index("ix_events_rule", "rule"),
        {"comment": "Things analytics saw happen on a camera (motion, later objects)."},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, comment="Random hex id")
    camera_id: Mapped[str] = mapped_column(
        String(63),
        ForeignKey("cameras.id", ondelete="CASCADE"),
        comment="Camera the event happened on; its events go with it",
    )
    label: Mapped[str] = mapped_column(String(32), comment="What happened: 'motion', 'person'...")
    score: Mapped[float] = mapped_column(
        Float, comment="0..1, the peak confidence (motion: share of the watched area that moved)"
    )
    start_ms: Mapped[int] = mapped_column(BigInteger, comment="When it began, Unix ms UTC")
    end_ms: Mapped[int | None] = mapped_column(
        BigInteger, comment="When it ended, Unix ms UTC; NULL while it goes on"
    )
    updated_ms: Mapped[int] = mapped_column(BigInteger, comment="Last change of the row, Unix ms")
    rule: Mapped[str | None] = mapped_column(String(64), comment="Rule that made it; NULL: motion")
    facts: Mapped[dict[str, object] | None] = mapped_column(JSON, comment="Rule kind, track, path")


class EventZoneTable(Base):
    __tablename__ = "event_zones"
    __table_args__ = (
        Index("ix_event_zones_zone", "zone"),
        {"comment": "The zones each event touched (a row per zone), for search by zone."},
    )

    event_id: Mapped[str] = mapped_column(
        String(32),
        ForeignKey("events.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The event; removed with it",
    )
    zone: Mapped[str] = mapped_column(
        String(64), primary_key=True, comment="Zone name as it was when the event happened"
    )


class EventSnapshotTable(Base):
    __tablename__ = "event_snapshots"
    __table_args__ = ({"comment": "One JPEG per event: the picture at its strongest moment."},)

    event_id: Mapped[str] = mapped_column(
        String(32),
        ForeignKey("events.id", ondelete="CASCADE"),
        primary_key=True,
        comment="The event pictured; removed with it",
    )
    jpeg: Mapped[bytes] = mapped_column(LargeBinary, comment="The picture, JPEG")
    taken_ms: Mapped[int] = mapped_column(BigInteger, comment="Wall clock of the frame, Unix ms")
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, comment="Object cropped, JPEG")


class EventOutboxTable(Base):
    __tablename__ = "event_outbox"
    __table_args__ = (
        Index("ix_event_outbox_target_id", "target", "id"),
        Index("ix_event_outbox_dead_ms", "dead_ms"),
        {
            "comment": "Event messages waiting for a delivery target's acknowledgement, written"
            " in the event's own transaction; deleted once acknowledged."
        },
    )

    id: Mapped[int] = mapped_column(
        BigIntId, primary_key=True, autoincrement=True, comment="Order of writing"
    )
    message_id: Mapped[str] = mapped_column(
        String(32), unique=True, comment="Idempotency id sent with every try (random hex)"
    )
    target: Mapped[str] = mapped_column(String(63), comment="Delivery target's configured name")
    event_id: Mapped[str] = mapped_column(
        String(32), comment="The event (no FK: the message outlives a purged event)"
    )
    camera_id: Mapped[str] = mapped_column(String(63), comment="The event's camera")
    phase: Mapped[str] = mapped_column(String(8), comment="'opened', 'updated' or 'closed'")
    payload: Mapped[dict[str, object]] = mapped_column(JSON, comment="The message body, as sent")
    created_ms: Mapped[int] = mapped_column(BigInteger, comment="Written, Unix ms")
    attempts: Mapped[int] = mapped_column(BigInteger, default=0, comment="Failed tries so far")
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger, comment="Not tried before, Unix ms")
    last_error: Mapped[str | None] = mapped_column(Text, comment="Why the last try failed")
    dead_ms: Mapped[int | None] = mapped_column(
        BigInteger, comment="When it became a dead letter; NULL while it is still tried"
    )


class _StatsGroup:
    """The columns both statistics rollups share after their time: the group and its counts."""

    camera_id: Mapped[str] = mapped_column(String(63), primary_key=True, comment="Camera")
    label: Mapped[str] = mapped_column(String(32), primary_key=True, comment="Event label")
    rule: Mapped[str] = mapped_column(String(64), primary_key=True, comment="Rule; '' for motion")
    zone: Mapped[str] = mapped_column(
        String(64), primary_key=True, comment="'' counts each event once; a zone name its zone's"
    )
    events: Mapped[int] = mapped_column(BigInteger, comment="Events closed in this group")
    crossings_in: Mapped[int] = mapped_column(BigInteger, comment="Line crossings A to B")
    crossings_out: Mapped[int] = mapped_column(BigInteger, comment="Line crossings B to A")
    peak: Mapped[int] = mapped_column(BigInteger, comment="Count rules: most objects at once")


class EventStatsTable(_StatsGroup, Base):
    __tablename__ = "event_stats"
    __table_args__ = (
        {
            "comment": "Closed events counted per hour, camera, label, rule and zone (a rollup"
            " kept in the closing transaction, so statistics never scan the events)."
        },
    )

    hour_ms: Mapped[int] = mapped_column(
        BigInteger,
        primary_key=True,
        sort_order=-1,  # first in the key: a range of hours is a range of the primary key
        comment="Start of the UTC hour the events began in, Unix ms",
    )


class EventStatsDailyTable(_StatsGroup, Base):
    __tablename__ = "event_stats_daily"
    __table_args__ = (
        {
            "comment": "The hourly rollup summed per day of the site's time zone, so a year of"
            " statistics reads hundreds of rows, not hundreds of thousands; rebuilt from"
            " event_stats when the site's zone changes.",
            "sqlite_with_rowid": False,  # rows clustered by day: a range reads them in order
        },
    )

    day_ms: Mapped[int] = mapped_column(
        BigInteger,
        primary_key=True,
        sort_order=-1,
        comment="Midnight of the site's day the events began in",
    )
    tz: Mapped[str] = mapped_column(
        String(64), sort_order=1, comment="The IANA zone the days are cut in"
    )
