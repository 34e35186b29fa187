"""SQLAlchemy table definitions; every column carries a comment so the schema documents itself.

The events room's tables are in `vms.db.event_tables`, imported at the end so that importing
this module registers every table on `Base`."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from vms.db.base import Base, BigIntId


class CameraTable(Base):
    __tablename__ = "cameras"
    __table_args__ = (
        CheckConstraint("transport IN ('tcp', 'udp')", name="transport"),
        CheckConstraint("record_stream IN ('main', 'sub')", name="record_stream"),
        CheckConstraint(
            "recording_mode IN ('continuous', 'events', 'continuous_events')",
            name="recording_mode",
        ),
        CheckConstraint("detect IN ('off', 'motion', 'always')", name="detect"),
        {"comment": "Configured cameras; credentials are never logged or returned by the API."},
    )

    id: Mapped[str] = mapped_column(
        String(63), primary_key=True, comment="Slug id; also a folder name and a URL path part"
    )
    name: Mapped[str] = mapped_column(Text, comment="Display name")
    main_url: Mapped[str] = mapped_column(Text, comment="RTSP URL of the main (high) stream")
    sub_url: Mapped[str | None] = mapped_column(Text, comment="RTSP URL of the sub (low) stream")
    username: Mapped[str | None] = mapped_column(Text, comment="Camera login user name")
    password: Mapped[str | None] = mapped_column(
        Text, comment="Camera login password: secret, never logged or returned"
    )
    transport: Mapped[str] = mapped_column(String(8), comment="RTSP transport: 'tcp' or 'udp'")
    enabled: Mapped[bool] = mapped_column(comment="Whether the camera is connected at all")
    record_enabled: Mapped[bool] = mapped_column(comment="Whether the camera is recorded")
    record_stream: Mapped[str] = mapped_column(
        String(8), comment="Which stream is recorded: 'main' or 'sub'"
    )
    retention_days: Mapped[int | None] = mapped_column(
        comment="Delete recordings older than this many days; NULL: no age limit"
    )
    retention_max_bytes: Mapped[int | None] = mapped_column(
        BigInteger, comment="Keep at most this many bytes of recordings; NULL: no size limit"
    )
    motion_enabled: Mapped[bool] = mapped_column(
        server_default=false(), comment="Whether motion detection records events for the camera"
    )
    recording_mode: Mapped[str] = mapped_column(
        String(24),
        server_default="continuous",
        comment="'continuous', 'events' (only around events) or 'continuous_events'",
    )
    pre_roll_s: Mapped[float] = mapped_column(
        Float, server_default="5", comment="Seconds recorded before an event (events modes)"
    )
    post_roll_s: Mapped[float] = mapped_column(
        Float, server_default="10", comment="Seconds recorded after an event ends (events modes)"
    )
    event_retention_days: Mapped[int] = mapped_column(
        server_default="30", comment="Days the recordings around an event are locked"
    )
    detect: Mapped[str | None] = mapped_column(
        String(8),
        comment="Object detection: 'off', 'motion' or 'always'; NULL: analytics.detect_default",
    )
    created_ms: Mapped[int] = mapped_column(BigInteger, comment="Creation time, Unix ms UTC")
    updated_ms: Mapped[int] = mapped_column(BigInteger, comment="Last update time, Unix ms UTC")


class SegmentTable(Base):
    __tablename__ = "segments"
    __table_args__ = (
        CheckConstraint("state IN ('complete', 'deleting')", name="state"),
        CheckConstraint("stream IN ('main', 'sub')", name="stream"),
        Index("ix_segments_camera_stream_start", "camera_id", "stream", "start_ms"),
        Index("ix_segments_camera_start", "camera_id", "start_ms"),
        Index("ix_segments_start", "start_ms"),
        {"comment": "One row per recorded fMP4 segment file; the files are the truth."},
    )

    id: Mapped[int] = mapped_column(
        BigIntId, primary_key=True, autoincrement=True, comment="Segment id"
    )
    # Not a foreign key: recordings outlive a removed camera until retention deletes them.
    camera_id: Mapped[str] = mapped_column(
        String(63), comment="Camera the segment belongs to (no FK: outlives the camera)"
    )
    stream: Mapped[str] = mapped_column(String(8), comment="'main' or 'sub'")
    start_ms: Mapped[int] = mapped_column(
        BigInteger, comment="Wall time of the first frame, Unix ms"
    )
    end_ms: Mapped[int] = mapped_column(
        BigInteger, comment="start_ms + duration_ms: wall time just after the last frame"
    )
    duration_ms: Mapped[int] = mapped_column(BigInteger, comment="Media duration in ms")
    size_bytes: Mapped[int] = mapped_column(BigInteger, comment="File size in bytes")
    video_codec: Mapped[str | None] = mapped_column(
        String(32), comment="FFmpeg video codec name ('h264', 'hevc'); NULL: audio only"
    )
    audio_codec: Mapped[str | None] = mapped_column(
        String(32), comment="FFmpeg audio codec name; NULL: no audio"
    )
    width: Mapped[int] = mapped_column(comment="Video width in pixels (0: no video)")
    height: Mapped[int] = mapped_column(comment="Video height in pixels (0: no video)")
    path: Mapped[str] = mapped_column(
        Text, unique=True, comment="File path relative to the pool root (storage/layout.py)"
    )
    pool: Mapped[str] = mapped_column(String(63), comment="Name of the storage pool holding it")
    state: Mapped[str] = mapped_column(
        String(16), comment="'complete', or 'deleting' while retention removes the file"
    )
    frames: Mapped[int] = mapped_column(comment="Number of video frames (packets)")


class EvidenceLockTable(Base):
    __tablename__ = "evidence_locks"
    __table_args__ = (
        CheckConstraint("reason IN ('event', 'export', 'legal_hold')", name="reason"),
        Index("ix_evidence_locks_camera_start", "camera_id", "start_ms"),
        {"comment": "Time ranges whose recordings retention must not delete."},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True, comment="Id")
    camera_id: Mapped[str] = mapped_column(String(63), comment="Camera whose recordings it holds")
    start_ms: Mapped[int] = mapped_column(BigInteger, comment="Start of the held range, Unix ms")
    end_ms: Mapped[int] = mapped_column(BigInteger, comment="End of the held range, Unix ms")
    reason: Mapped[str] = mapped_column(String(16), comment="'event', 'export' or 'legal_hold'")
    created_ms: Mapped[int] = mapped_column(BigInteger, comment="Creation time, Unix ms")
    expires_ms: Mapped[int | None] = mapped_column(
        BigInteger, comment="The lock stops holding at this time; NULL: until removed"
    )


class SegmentFragmentsTable(Base):
    __tablename__ = "segment_fragments"
    __table_args__ = (
        {"comment": "Byte offsets and times of each segment's fragments (HLS VOD, frame, export)."},
    )

    segment_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, comment="Segment the map describes"
    )
    file_size_bytes: Mapped[int] = mapped_column(
        BigInteger, comment="File size the map was built from (a smaller file is rescanned)"
    )
    init_size_bytes: Mapped[int] = mapped_column(comment="Bytes of the ftyp+moov init section")
    media_end_us: Mapped[int] = mapped_column(
        BigInteger, comment="End of the main track's media, microseconds from the file's start"
    )
    fragment_count: Mapped[int] = mapped_column(comment="Number of whole moof+mdat fragments")
    fragments: Mapped[bytes] = mapped_column(
        LargeBinary,
        comment="Packed little-endian (size_bytes u32, start_us u32, keyframe u8) per fragment",
    )


class SourceOutageTable(Base):
    __tablename__ = "source_outages"
    __table_args__ = (
        Index("ix_source_outages_camera_start", "camera_id", "start_ms"),
        {"comment": "Times a camera stream was not delivering packets (timeline gap causes)."},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True, comment="Id")
    camera_id: Mapped[str] = mapped_column(String(63), comment="Camera whose stream was lost")
    stream: Mapped[str] = mapped_column(String(8), comment="'main' or 'sub'")
    start_ms: Mapped[int] = mapped_column(BigInteger, comment="When the stream was lost, Unix ms")
    end_ms: Mapped[int | None] = mapped_column(
        BigInteger, comment="When packets flowed again, Unix ms; NULL: still out (or VMS stopped)"
    )
    reason: Mapped[str | None] = mapped_column(Text, comment="Last error, redacted; NULL: none")


class VmsRunTable(Base):
    __tablename__ = "vms_runs"
    __table_args__ = (
        Index("ix_vms_runs_started", "started_ms"),
        {"comment": "Intervals this VMS ran: a heartbeat row per process (gaps: VMS down)."},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True, comment="Id")
    started_ms: Mapped[int] = mapped_column(BigInteger, comment="Process start, Unix ms")
    last_seen_ms: Mapped[int] = mapped_column(
        BigInteger, comment="Last heartbeat (or clean stop), Unix ms"
    )
    version: Mapped[str] = mapped_column(String(32), comment="VMS version that ran")


class RetentionMarkTable(Base):
    __tablename__ = "retention_marks"
    __table_args__ = ({"comment": "Per camera, how far retention has deleted recordings."},)

    camera_id: Mapped[str] = mapped_column(
        String(63), primary_key=True, comment="Camera whose recordings were deleted"
    )
    deleted_until_ms: Mapped[int] = mapped_column(
        BigInteger, comment="Latest end of a segment retention deleted, Unix ms"
    )


class ExportTable(Base):
    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="state"
        ),
        Index("ix_exports_created", "created_ms"),
        {"comment": "Export jobs: one MP4 cut from recordings, with a signed manifest."},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, comment="Export id (hex)")
    camera_id: Mapped[str] = mapped_column(String(63), comment="Camera exported")
    stream: Mapped[str] = mapped_column(String(8), comment="'main' or 'sub'")
    start_ms: Mapped[int] = mapped_column(BigInteger, comment="Requested start, Unix ms")
    end_ms: Mapped[int] = mapped_column(BigInteger, comment="Requested end, Unix ms")
    state: Mapped[str] = mapped_column(
        String(16), comment="'queued', 'running', 'done', 'failed' or 'cancelled'"
    )
    progress: Mapped[float] = mapped_column(Float, comment="Fraction done, 0..1")
    requested_by: Mapped[str] = mapped_column(Text, comment="Who asked for the export")
    created_ms: Mapped[int] = mapped_column(BigInteger, comment="When it was asked for, Unix ms")
    finished_ms: Mapped[int | None] = mapped_column(
        BigInteger, comment="When it ended (done, failed, cancelled), Unix ms"
    )
    media_start_ms: Mapped[int | None] = mapped_column(
        BigInteger, comment="Wall time of the first frame written (keyframe at or before start)"
    )
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, comment="Size of the MP4 file")
    sha256: Mapped[str | None] = mapped_column(String(64), comment="SHA-256 of the MP4 file")
    error: Mapped[str | None] = mapped_column(Text, comment="Why it failed; NULL otherwise")


class UserTable(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'operator', 'admin')", name="role"),
        {"comment": "People who may sign in; passwords are stored only as Argon2id hashes."},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, comment="User id")
    username: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Sign-in name, unique, compared case-sensitively"
    )
    password_hash: Mapped[str] = mapped_column(Text, comment="Argon2id hash (PHC string format)")
    role: Mapped[str] = mapped_column(String(16), comment="'viewer', 'operator' or 'admin'")
    disabled: Mapped[bool] = mapped_column(comment="A disabled user cannot sign in")
    created_ms: Mapped[int] = mapped_column(BigInteger, comment="When the user was made, Unix ms")
    preferences: Mapped[str] = mapped_column(
        Text, comment="The web client's settings for this user (grid layout), JSON"
    )


class AuthSessionTable(Base):
    __tablename__ = "auth_sessions"
    __table_args__ = (
        Index("ix_auth_sessions_user_id", "user_id"),
        {"comment": "Signed-in browser sessions; the cookie holds a token, the table its hash."},
    )

    token_hash: Mapped[str] = mapped_column(
        String(64), primary_key=True, comment="SHA-256 (hex) of the session token"
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("users.id", ondelete="CASCADE"),
        comment="Who signed in",
    )
    created_ms: Mapped[int] = mapped_column(BigInteger, comment="When they signed in, Unix ms")
    last_seen_ms: Mapped[int] = mapped_column(
        BigInteger, comment="Last request on this session (kept to within a few minutes), Unix ms"
    )
    expires_ms: Mapped[int] = mapped_column(
        BigInteger, comment="Hard end of the session regardless of use, Unix ms"
    )


class ZoneTable(Base):
    __tablename__ = "camera_zones"
    __table_args__ = (
        CheckConstraint("kind IN ('zone', 'line', 'mask')", name="kind"),
        {"comment": "Zones (polygons) and lines drawn on a camera's picture, for analytics rules."},
    )

    camera_id: Mapped[str] = mapped_column(
        String(63),
        ForeignKey("cameras.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Camera whose picture the zone is drawn on; removed with the camera",
    )
    name: Mapped[str] = mapped_column(
        String(64), primary_key=True, comment="Name shown to users, unique per camera"
    )
    position: Mapped[int] = mapped_column(comment="Order in the camera's list, 0 first")
    kind: Mapped[str] = mapped_column(
        String(8),
        comment="'zone' (closed polygon, 3+ points), 'line' (2 points, directed) or 'mask'"
        " (closed polygon where detections are ignored)",
    )
    points: Mapped[list[list[float]]] = mapped_column(
        JSON, comment="[[x, y], ...] normalised to the picture: 0..1 from the top-left corner"
    )
    updated_ms: Mapped[int] = mapped_column(
        BigInteger, comment="When the camera's zones were last saved, Unix ms"
    )


class CameraRulesTable(Base):
    __tablename__ = "camera_rules"
    __table_args__ = ({"comment": "Each camera's analytics rules, as one JSON document."},)

    camera_id: Mapped[str] = mapped_column(
        String(63),
        ForeignKey("cameras.id", ondelete="CASCADE"),
        primary_key=True,
        comment="Camera the rules run on; removed with the camera",
    )
    rules: Mapped[list[dict[str, object]]] = mapped_column(JSON, comment="[rule, ...] CameraRules")
    updated_ms: Mapped[int] = mapped_column(BigInteger, comment="Last saved, Unix ms")


from vms.db import event_tables  # noqa: E402, F401  (registers the events tables on Base)
