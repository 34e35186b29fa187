"""Playback facts: fragment maps, source outages, VMS runs, retention marks, export jobs."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _bigint(name: str, comment: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable, comment=comment)


def upgrade() -> None:
    op.create_table(
        "segment_fragments",
        sa.Column(
            "segment_id",
            sa.BigInteger(),
            autoincrement=False,
            nullable=False,
            comment="Segment the map describes",
        ),
        _bigint(
            "file_size_bytes", "File size the map was built from (a smaller file is rescanned)"
        ),
        sa.Column(
            "init_size_bytes",
            sa.Integer(),
            nullable=False,
            comment="Bytes of the ftyp+moov init section",
        ),
        _bigint(
            "media_end_us", "End of the main track's media, microseconds from the file's start"
        ),
        sa.Column(
            "fragment_count",
            sa.Integer(),
            nullable=False,
            comment="Number of whole moof+mdat fragments",
        ),
        sa.Column(
            "fragments",
            sa.LargeBinary(),
            nullable=False,
            comment="Packed little-endian (size_bytes u32, start_us u32, keyframe u8) per fragment",
        ),
        sa.PrimaryKeyConstraint("segment_id", name="pk_segment_fragments"),
        comment="Byte offsets and times of each segment's fragments (HLS VOD, frame, export).",
    )
    op.create_table(
        "source_outages",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False, comment="Id"),
        sa.Column(
            "camera_id", sa.String(63), nullable=False, comment="Camera whose stream was lost"
        ),
        sa.Column("stream", sa.String(8), nullable=False, comment="'main' or 'sub'"),
        _bigint("start_ms", "When the stream was lost, Unix ms"),
        _bigint(
            "end_ms",
            "When packets flowed again, Unix ms; NULL: still out (or VMS stopped)",
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=True, comment="Last error, redacted; NULL: none"),
        sa.PrimaryKeyConstraint("id", name="pk_source_outages"),
        comment="Times a camera stream was not delivering packets (timeline gap causes).",
    )
    op.create_index("ix_source_outages_camera_start", "source_outages", ["camera_id", "start_ms"])
    op.create_table(
        "vms_runs",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False, comment="Id"),
        _bigint("started_ms", "Process start, Unix ms"),
        _bigint("last_seen_ms", "Last heartbeat (or clean stop), Unix ms"),
        sa.Column("version", sa.String(32), nullable=False, comment="VMS version that ran"),
        sa.PrimaryKeyConstraint("id", name="pk_vms_runs"),
        comment="Intervals this VMS ran: a heartbeat row per process (gaps: VMS down).",
    )
    op.create_index("ix_vms_runs_started", "vms_runs", ["started_ms"])
    op.create_table(
        "retention_marks",
        sa.Column(
            "camera_id",
            sa.String(63),
            nullable=False,
            comment="Camera whose recordings were deleted",
        ),
        _bigint("deleted_until_ms", "Latest end of a segment retention deleted, Unix ms"),
        sa.PrimaryKeyConstraint("camera_id", name="pk_retention_marks"),
        comment="Per camera, how far retention has deleted recordings.",
    )
    _create_exports()


def _create_exports() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.String(32), nullable=False, comment="Export id (hex)"),
        sa.Column("camera_id", sa.String(63), nullable=False, comment="Camera exported"),
        sa.Column("stream", sa.String(8), nullable=False, comment="'main' or 'sub'"),
        _bigint("start_ms", "Requested start, Unix ms"),
        _bigint("end_ms", "Requested end, Unix ms"),
        sa.Column(
            "state",
            sa.String(16),
            nullable=False,
            comment="'queued', 'running', 'done', 'failed' or 'cancelled'",
        ),
        sa.Column("progress", sa.Float(), nullable=False, comment="Fraction done, 0..1"),
        sa.Column("requested_by", sa.Text(), nullable=False, comment="Who asked for the export"),
        _bigint("created_ms", "When it was asked for, Unix ms"),
        _bigint("finished_ms", "When it ended (done, failed, cancelled), Unix ms", nullable=True),
        _bigint(
            "media_start_ms",
            "Wall time of the first frame written (keyframe at or before start)",
            nullable=True,
        ),
        _bigint("size_bytes", "Size of the MP4 file", nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True, comment="SHA-256 of the MP4 file"),
        sa.Column("error", sa.Text(), nullable=True, comment="Why it failed; NULL otherwise"),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name="ck_exports_state",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exports"),
        comment="Export jobs: one MP4 cut from recordings, with a signed manifest.",
    )
    op.create_index("ix_exports_created", "exports", ["created_ms"])


def downgrade() -> None:
    op.drop_index("ix_exports_created", table_name="exports")
    op.drop_table("exports")
    op.drop_table("retention_marks")
    op.drop_index("ix_vms_runs_started", table_name="vms_runs")
    op.drop_table("vms_runs")
    op.drop_index("ix_source_outages_camera_start", table_name="source_outages")
    op.drop_table("source_outages")
    op.drop_table("segment_fragments")
