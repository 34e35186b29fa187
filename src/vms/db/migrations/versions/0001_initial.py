"""Initial schema: cameras, segments, evidence locks."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column(
            "id",
            sa.String(63),
            primary_key=True,
            comment="Slug id; also a folder name and a URL path part",
        ),
        sa.Column("name", sa.Text(), nullable=False, comment="Display name"),
        sa.Column(
            "main_url", sa.Text(), nullable=False, comment="RTSP URL of the main (high) stream"
        ),
        sa.Column("sub_url", sa.Text(), nullable=True, comment="RTSP URL of the sub (low) stream"),
        sa.Column("username", sa.Text(), nullable=True, comment="Camera login user name"),
        sa.Column(
            "password",
            sa.Text(),
            nullable=True,
            comment="Camera login password: secret, never logged or returned",
        ),
        sa.Column(
            "transport", sa.String(8), nullable=False, comment="RTSP transport: 'tcp' or 'udp'"
        ),
        sa.Column(
            "enabled",
            sa.Boolean(),
            nullable=False,
            comment="Whether the camera is connected at all",
        ),
        sa.Column(
            "record_enabled", sa.Boolean(), nullable=False, comment="Whether the camera is recorded"
        ),
        sa.Column(
            "record_stream",
            sa.String(8),
            nullable=False,
            comment="Which stream is recorded: 'main' or 'sub'",
        ),
        sa.Column(
            "retention_days",
            sa.Integer(),
            nullable=True,
            comment="Delete recordings older than this many days; NULL: no age limit",
        ),
        sa.Column(
            "retention_max_bytes",
            sa.BigInteger(),
            nullable=True,
            comment="Keep at most this many bytes of recordings; NULL: no size limit",
        ),
        sa.Column(
            "created_ms", sa.BigInteger(), nullable=False, comment="Creation time, Unix ms UTC"
        ),
        sa.Column(
            "updated_ms", sa.BigInteger(), nullable=False, comment="Last update time, Unix ms UTC"
        ),
        sa.CheckConstraint("transport IN ('tcp', 'udp')", name="ck_cameras_transport"),
        sa.CheckConstraint("record_stream IN ('main', 'sub')", name="ck_cameras_record_stream"),
        sa.PrimaryKeyConstraint("id", name="pk_cameras"),
        comment="Configured cameras; credentials are never logged or returned by the API.",
    )
    op.create_table(
        "segments",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False, comment="Segment id"),
        sa.Column(
            "camera_id",
            sa.String(63),
            nullable=False,
            comment="Camera the segment belongs to (no FK: outlives the camera)",
        ),
        sa.Column("stream", sa.String(8), nullable=False, comment="'main' or 'sub'"),
        sa.Column(
            "start_ms",
            sa.BigInteger(),
            nullable=False,
            comment="Wall time of the first frame, Unix ms",
        ),
        sa.Column(
            "end_ms",
            sa.BigInteger(),
            nullable=False,
            comment="start_ms + duration_ms: wall time just after the last frame",
        ),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False, comment="Media duration in ms"),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False, comment="File size in bytes"),
        sa.Column(
            "video_codec",
            sa.String(32),
            nullable=True,
            comment="FFmpeg video codec name ('h264', 'hevc'); NULL: audio only",
        ),
        sa.Column(
            "audio_codec",
            sa.String(32),
            nullable=True,
            comment="FFmpeg audio codec name; NULL: no audio",
        ),
        sa.Column(
            "width", sa.Integer(), nullable=False, comment="Video width in pixels (0: no video)"
        ),
        sa.Column(
            "height", sa.Integer(), nullable=False, comment="Video height in pixels (0: no video)"
        ),
        sa.Column(
            "path",
            sa.Text(),
            nullable=False,
            comment="File path relative to the pool root (storage/layout.py)",
        ),
        sa.Column(
            "pool", sa.String(63), nullable=False, comment="Name of the storage pool holding it"
        ),
        sa.Column(
            "state",
            sa.String(16),
            nullable=False,
            comment="'complete', or 'deleting' while retention removes the file",
        ),
        sa.Column(
            "frames", sa.Integer(), nullable=False, comment="Number of video frames (packets)"
        ),
        sa.CheckConstraint("state IN ('complete', 'deleting')", name="ck_segments_state"),
        sa.CheckConstraint("stream IN ('main', 'sub')", name="ck_segments_stream"),
        sa.PrimaryKeyConstraint("id", name="pk_segments"),
        sa.UniqueConstraint("path", name="uq_segments_path"),
        comment="One row per recorded fMP4 segment file; the files are the truth.",
    )
    op.create_index(
        "ix_segments_camera_stream_start", "segments", ["camera_id", "stream", "start_ms"]
    )
    op.create_index("ix_segments_camera_start", "segments", ["camera_id", "start_ms"])
    op.create_index("ix_segments_start", "segments", ["start_ms"])
    op.create_table(
        "evidence_locks",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False, comment="Id"),
        sa.Column(
            "camera_id", sa.String(63), nullable=False, comment="Camera whose recordings it holds"
        ),
        sa.Column(
            "start_ms", sa.BigInteger(), nullable=False, comment="Start of the held range, Unix ms"
        ),
        sa.Column(
            "end_ms", sa.BigInteger(), nullable=False, comment="End of the held range, Unix ms"
        ),
        sa.Column(
            "reason", sa.String(16), nullable=False, comment="'event', 'export' or 'legal_hold'"
        ),
        sa.Column("created_ms", sa.BigInteger(), nullable=False, comment="Creation time, Unix ms"),
        sa.Column(
            "expires_ms",
            sa.BigInteger(),
            nullable=True,
            comment="The lock stops holding at this time; NULL: until removed",
        ),
        sa.CheckConstraint(
            "reason IN ('event', 'export', 'legal_hold')", name="ck_evidence_locks_reason"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_locks"),
        comment="Time ranges whose recordings retention must not delete.",
    )
    op.create_index("ix_evidence_locks_camera_start", "evidence_locks", ["camera_id", "start_ms"])


def downgrade() -> None:
    op.drop_index("ix_evidence_locks_camera_start", table_name="evidence_locks")
    op.drop_table("evidence_locks")
    op.drop_index("ix_segments_start", table_name="segments")
    op.drop_index("ix_segments_camera_start", table_name="segments")
    op.drop_index("ix_segments_camera_stream_start", table_name="segments")
    op.drop_table("segments")
    op.drop_table("cameras")
