"""Where one recorded stream's segments are filed: index rows, bus events, the open-segment table.

The recorder decides when a segment starts and ends; this is what follows from it, apart from the
writing: the start time a new file gets (never before the end of the stream's previous one), the
index row and `SegmentClosed` of a closed or abandoned file, and what playback may read of the
file still being written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from vms.core.bus import Bus, SegmentClosed
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.recording.segment_writer import ClosedSegment, SegmentWriter
from vms.storage.index import SegmentIndex, SegmentRecord
from vms.storage.layout import SegmentKey
from vms.storage.open_segments import OpenSegment, OpenSegments
from vms.storage.pools import StoragePool
from vms.storage.repair import FileOutcome, index_segment_file

log = logging.getLogger(__name__)

# A new segment that would start before the end of its stream's previous one starts at that end
# instead (no overlap, docs/design/storage.md), if that moves it by at most this: wall times are
# bound to arrival, so only a server clock stepped back (or rows misfiled by older versions)
# makes a larger overlap, and moving every later recording by as much would misfile them all.
MAX_OVERLAP_SHIFT_MS = 60_000


@dataclass(slots=True)
class OpenFile:
    """The segment being written: its writer, where it lives and what playback was told."""

    writer: SegmentWriter
    pool: StoragePool
    key: SegmentKey
    relpath: str
    first_pts_s: float
    published_bytes: int = -1  # synced bytes last told to `OpenSegments`


class SegmentBook:
    """The filing of one stream's segments; used on its recorder's thread only."""

    def __init__(
        self,
        camera_id: CameraId,
        stream: StreamName,
        index: SegmentIndex,
        bus: Bus,
        open_segments: OpenSegments | None,
    ) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self._index = index
        self._bus = bus
        self._open_segments = open_segments
        self._previous_end_ms: int | None = None  # of this stream's latest segment
        self._previous_loaded = False

    def start_ms(self, wall_ms: int) -> int:
        """The start of a new segment: its first packet's wall time, or the end of the stream's
        previous segment when it would begin before it (see `MAX_OVERLAP_SHIFT_MS`)."""
        if not self._previous_loaded:  # the latest segment of an earlier run, once
            self._previous_loaded = True
            try:
                indexed = self._index.last_end_ms(self.camera_id, self.stream)
            except SQLAlchemyError as exc:
                who = f"{self.camera_id}/{self.stream}"
                log.warning("recorder %s: cannot read the index: %s", who, exc)
                indexed = None
            if indexed is not None:
                self._ended_at(indexed)
        previous = self._previous_end_ms
        if previous is None or wall_ms >= previous:
            return wall_ms
        if previous - wall_ms > MAX_OVERLAP_SHIFT_MS:
            log.warning(
                "recorder %s/%s: the previous segment ends %.1f s after this one starts (was the "
                "server clock set back?); filing the new one at its arrival time",
                self.camera_id,
                self.stream,
                (previous - wall_ms) / 1000,
            )
            return wall_ms
        return previous

    def commit(self, seg: OpenFile, closed: ClosedSegment) -> str | None:
        """Index a closed segment and announce it; the error when the index refused it."""
        record = SegmentRecord(
            camera_id=self.camera_id,
            stream=self.stream,
            start_ms=seg.key.start_ms,
            duration_ms=closed.duration_ms,
            size_bytes=closed.size_bytes,
            video_codec=closed.video_codec,
            audio_codec=closed.audio_codec,
            width=closed.width,
            height=closed.height,
            path=seg.relpath,
            pool=seg.pool.name,
            frames=closed.frames,
        )
        self._ended_at(record.end_ms)
        try:
            segment_id = self._index.add(record)
        except SQLAlchemyError as exc:
            error = f"segment {seg.relpath} written but not indexed: {exc}"
            log.error("%s (repair will index it)", error)
            return error
        self._announce(segment_id, record.start_ms, record.end_ms, record.size_bytes, record.path)
        return None

    def abandoned(self, seg: OpenFile, closed: ClosedSegment) -> None:
        """Storage failed mid-segment: index what reached the disk, to its last whole fragment."""
        try:
            result = index_segment_file(
                self._index, seg.pool, closed.path, seg.key, may_remove=False
            )
        except (OSError, SQLAlchemyError) as exc:
            log.error("cannot index abandoned segment %s: %s (repair will)", seg.relpath, exc)
            return
        row = self._index.get_by_path(seg.pool.name, seg.relpath)
        if row is None:
            return
        self._ended_at(row.end_ms)
        if result.outcome in (FileOutcome.INDEXED, FileOutcome.TRUNCATED):
            self._announce(row.id, row.start_ms, row.end_ms, row.size_bytes, row.path)

    def publish(self, seg: OpenFile) -> None:
        """Tell playback how far the open file is durable (in memory: a fragment a second)."""
        seg.published_bytes = seg.writer.size_bytes
        if self._open_segments is None:
            return
        if seg.published_bytes <= 0:
            self._open_segments.begin(
                OpenSegment(
                    self.camera_id, self.stream, seg.key.start_ms, seg.pool.name, seg.relpath, 0
                )
            )
        else:
            self._open_segments.synced(
                self.camera_id, self.stream, seg.relpath, seg.published_bytes
            )

    def unpublish(self, seg: OpenFile) -> None:
        """After the row is in the index (or left to repair): playback reads the index again."""
        if self._open_segments is not None:
            self._open_segments.end(self.camera_id, self.stream, seg.relpath)

    def _ended_at(self, end_ms: int) -> None:
        self._previous_end_ms = max(end_ms, self._previous_end_ms or end_ms)

    def _announce(
        self, segment_id: SegmentId, start_ms: int, end_ms: int, size_bytes: int, path: str
    ) -> None:
        self._bus.publish(
            SegmentClosed(
                segment_id, self.camera_id, self.stream, start_ms, end_ms, size_bytes, path
            )
        )
