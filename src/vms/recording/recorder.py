"""Recorder sink: turns a camera stream's packet feed into indexed fMP4 segments.

One writer thread per recorded stream. It waits for a keyframe, cuts a segment at the first
keyframe after the target duration (media time), starts a new one on any discontinuity, commits
one index row per closed segment, and survives storage failures: it keeps draining its feed so the
hub never stalls, and retries with backoff until the storage works again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import av.error
from sqlalchemy.exc import SQLAlchemyError

from vms.core.bus import Bus, SegmentClosed
from vms.core.clock import Clock
from vms.core.errors import StorageUnavailableError
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.media.packet import HubItem, Packet, PacketsDropped, StreamEnded, StreamInfo
from vms.recording.segment_writer import ClosedSegment, SegmentWriter, fsync_dir
from vms.storage.index import SegmentIndex, SegmentRecord
from vms.storage.layout import SegmentKey, segment_relpath
from vms.storage.open_segments import OpenSegment, OpenSegments
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.repair import FileOutcome, index_segment_file

log = logging.getLogger(__name__)

# A new segment that would start before the end of its stream's previous one starts at that end
# instead (no overlap, docs/design/storage.md), if that moves it by at most this: wall times are
# bound to arrival, so only a server clock stepped back (or rows misfiled by older versions)
# makes a larger overlap, and moving every later recording by as much would misfile them all.
MAX_OVERLAP_SHIFT_MS = 60_000


class PacketFeed(Protocol):
    """What the recorder reads: a hub subscription (declared here so recording needs no ingest)."""

    def get(self, timeout: float | None = None) -> HubItem | None: ...

    def get_nowait(self) -> HubItem | None: ...

    def close(self) -> None: ...


class RecorderState(StrEnum):
    IDLE = "idle"
    WAITING_KEYFRAME = "waiting_keyframe"
    RECORDING = "recording"
    STORAGE_ERROR = "storage_error"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class RecorderStats:
    bytes_written: int
    segments_closed: int
    packets_written: int
    packets_discarded: int
    fsync_count: int
    fsync_seconds_total: float
    fsync_max_s: float
    state: RecorderState
    last_error: str | None
    storage_errors: int


@dataclass(slots=True)
class _Open:
    writer: SegmentWriter
    pool: StoragePool
    key: SegmentKey
    relpath: str
    first_pts_s: float
    published_bytes: int = -1  # synced bytes last told to `OpenSegments`


@dataclass(slots=True)
class _Counters:
    closed_bytes: int = 0
    segments_closed: int = 0
    packets_written: int = 0
    packets_discarded: int = 0
    fsync_count: int = 0
    fsync_seconds_total: float = 0.0
    fsync_max_s: float = 0.0
    storage_errors: int = 0


def _compatible(a: StreamInfo, b: StreamInfo) -> bool:
    return len(a.tracks) == len(b.tracks) and all(
        x.same_format(y) for x, y in zip(a.tracks, b.tracks, strict=True)
    )


class Recorder:
    def __init__(
        self,
        camera_id: CameraId,
        stream: StreamName,
        feed: PacketFeed,
        *,
        pools: StoragePools,
        index: SegmentIndex,
        clock: Clock,
        bus: Bus,
        segment_duration_s: float = 60.0,
        on_storage_error: Callable[[str], None] | None = None,
        fragment_ms: int = 1000,
        max_gap_s: float = 5.0,
        retry_backoff: Backoff | None = None,
        poll_s: float = 0.25,
        batch_s: float = 0.25,
        min_free_bytes: int = 64 * 1024 * 1024,
        open_segments: OpenSegments | None = None,
    ) -> None:
        """`min_free_bytes`: a new segment is opened only in a pool with this much free space,
        so a full disk is not retried into every few freed bytes before retention has run.
        `open_segments`: where the file being written and its fsynced extent are published, so
        playback shows the recording before the segment is closed and indexed."""
        self.camera_id = camera_id
        self.stream = stream
        self._feed = feed
        self._pools = pools
        self._index = index
        self._clock = clock
        self._bus = bus
        self._segment_duration_s = float(segment_duration_s)
        self._on_storage_error = on_storage_error
        self._fragment_ms = fragment_ms
        self._max_gap_s = float(max_gap_s)
        self._backoff = retry_backoff or Backoff(initial_s=1.0, cap_s=30.0)
        self._poll_s = poll_s
        self._batch_s = batch_s
        self._min_free_bytes = min_free_bytes
        self._open_segments = open_segments
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._counters = _Counters()
        self._state = RecorderState.IDLE
        self._last_error: str | None = None
        self._info: StreamInfo | None = None
        self._tick_s: list[float] = []
        self._seg: _Open | None = None
        self._last_dts: dict[int, int] = {}
        self._retry_at = 0.0
        self._retry_attempt = 0
        self._previous_end_ms: int | None = None  # of this stream's latest segment
        self._previous_loaded = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("recorder already started")
        self._state = RecorderState.WAITING_KEYFRAME
        self._thread = threading.Thread(
            target=self._run, name=f"recorder-{self.camera_id}-{self.stream}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the current segment (indexed), end the thread and the feed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._feed.close()

    def current_path(self) -> Path | None:
        """The file being written (repair must leave it alone)."""
        seg = self._seg
        return None if seg is None else seg.writer.path

    def stats(self) -> RecorderStats:
        with self._lock:
            c = self._counters
            seg = self._seg
            live_bytes = seg.writer.size_bytes if seg is not None else 0
            live = seg.writer.fsync_stats() if seg is not None else None
            return RecorderStats(
                bytes_written=c.closed_bytes + live_bytes,
                segments_closed=c.segments_closed,
                packets_written=c.packets_written,
                packets_discarded=c.packets_discarded,
                fsync_count=c.fsync_count + (live.count if live else 0),
                fsync_seconds_total=c.fsync_seconds_total + (live.seconds_total if live else 0.0),
                fsync_max_s=max(c.fsync_max_s, live.max_s if live else 0.0),
                state=self._state,
                last_error=self._last_error,
                storage_errors=c.storage_errors,
            )

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._feed.get(timeout=self._poll_s)
                while item is not None and not self._stop.is_set():
                    self._handle(item)
                    item = self._feed.get_nowait()
                # Let packets gather: one wake-up per batch instead of one per packet (a thread
                # switch and a GIL hand-off each) halves the recorder's CPU. The feed's queue
                # holds far more than a batch, and nothing waits on a recording in real time.
                self._stop.wait(self._batch_s)
        except Exception:  # a bug must not silently stop recording unnoticed
            log.exception("recorder %s/%s failed", self.camera_id, self.stream)
            self._last_error = "internal error (see log)"
        finally:
            self._end_segment("stop")
            self._state = RecorderState.STOPPED

    # -- feed items ------------------------------------------------------------------------
    def _handle(self, item: HubItem) -> None:
        if isinstance(item, Packet):
            self._on_packet(item)
        elif isinstance(item, StreamInfo):
            old = self._info
            if old is not None and (
                old.generation != item.generation or not _compatible(old, item)
            ):
                self._end_segment("new stream format or generation")
            self._info = item
            # Seconds per tick of each track, computed once: Fraction maths per packet is costly.
            self._tick_s = [float(track.time_base) for track in item.tracks]
        elif isinstance(item, StreamEnded):
            self._end_segment(f"stream ended: {item.reason}")
        elif isinstance(item, PacketsDropped):
            self._discard(item.count)
            self._end_segment(f"{item.count} packets dropped")

    def _sync_track(self, info: StreamInfo) -> int:
        return info.video_track if info.video_track is not None else 0

    def _on_packet(self, packet: Packet) -> None:
        info = self._info
        if info is None or packet.generation != info.generation or packet.track >= len(info.tracks):
            self._discard(1)
            return
        sync = packet.keyframe and packet.track == self._sync_track(info)
        tick_s = self._tick_s[packet.track]
        seg = self._seg
        if seg is not None:
            last = self._last_dts.get(packet.track)
            step_s = None if last is None else (packet.dts - last) * tick_s
            if step_s is not None and (step_s < 0 or step_s > self._max_gap_s):
                self._end_segment(f"timestamp jump of {float(step_s):.3f} s")
            elif sync and packet.pts * tick_s - seg.first_pts_s >= self._segment_duration_s:
                self._end_segment("duration reached")
        if self._seg is None and not (sync and self._may_open() and self._open(packet, info)):
            self._discard(1)
            return
        self._write(packet)

    # -- segments --------------------------------------------------------------------------
    def _may_open(self) -> bool:
        if self._state is not RecorderState.STORAGE_ERROR:
            return True
        return self._clock.monotonic() >= self._retry_at

    def _open(self, packet: Packet, info: StreamInfo) -> bool:
        try:
            pool = self._pools.choose(self._min_free_bytes)
            start_ms = self._start_after_previous(packet.wall_ms)
            while (pool.root / segment_relpath(self.camera_id, self.stream, start_ms)).exists():
                start_ms += 1  # two segments in one millisecond (a reconnect): keep both
            relpath = segment_relpath(self.camera_id, self.stream, start_ms)
            path = pool.root / relpath
            _make_dirs(pool.root, path.parent)
            writer = SegmentWriter.open(path, info, fragment_ms=self._fragment_ms)
        except (StorageUnavailableError, OSError) as exc:
            self._storage_failed(f"cannot open a segment: {exc}")
            return False
        key = SegmentKey(self.camera_id, self.stream, start_ms)
        first_pts_s = packet.pts * self._tick_s[packet.track]
        with self._lock:
            self._seg = _Open(writer, pool, key, relpath.as_posix(), first_pts_s)
        self._publish(self._seg)
        if self._state is RecorderState.STORAGE_ERROR:
            log.info("recorder %s/%s: storage works again, recording", self.camera_id, self.stream)
        self._retry_attempt = 0
        self._state = RecorderState.RECORDING
        return True

    def _start_after_previous(self, wall_ms: int) -> int:
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
                self._previous_end_ms = max(indexed, self._previous_end_ms or indexed)
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

    def _write(self, packet: Packet) -> None:
        seg = self._seg
        assert seg is not None
        try:
            written = seg.writer.write(packet)
        except OSError as exc:
            self._abandon(seg, f"write failed: {exc}")
            self._discard(1)
            return
        except av.error.FFmpegError as exc:
            log.warning("recorder %s/%s: mux error %s", self.camera_id, self.stream, exc)
            self._discard(1)
            self._end_segment(f"mux error: {exc}")
            return
        if written:
            if seg.writer.size_bytes != seg.published_bytes:
                self._publish(seg)
            self._last_dts[packet.track] = packet.dts
            with self._lock:
                self._counters.packets_written += 1
        else:
            self._discard(1)

    def _end_segment(self, reason: str) -> None:
        seg = self._seg
        if seg is None:
            return
        self._last_dts.clear()
        try:
            closed = seg.writer.close()
        except OSError as exc:
            self._abandon(seg, f"closing the segment failed: {exc}")
            return
        log.debug("segment %s closed: %s", seg.relpath, reason)
        self._commit(seg, closed)
        self._unpublish(seg)
        if self._state is RecorderState.RECORDING:
            self._state = RecorderState.WAITING_KEYFRAME

    def _commit(self, seg: _Open, closed: ClosedSegment) -> None:
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
        self._account(seg, closed.size_bytes)
        self._previous_end_ms = max(record.end_ms, self._previous_end_ms or record.end_ms)
        try:
            segment_id = self._index.add(record)
        except SQLAlchemyError as exc:
            self._last_error = f"segment {seg.relpath} written but not indexed: {exc}"
            log.error("%s (repair will index it)", self._last_error)
            return
        self._bus.publish(
            SegmentClosed(
                segment_id,
                self.camera_id,
                self.stream,
                record.start_ms,
                record.end_ms,
                record.size_bytes,
                record.path,
            )
        )

    def _account(self, seg: _Open, size_bytes: int) -> None:
        fs = seg.writer.fsync_stats()
        with self._lock:
            self._seg = None
            c = self._counters
            c.closed_bytes += size_bytes
            c.segments_closed += 1
            c.fsync_count += fs.count
            c.fsync_seconds_total += fs.seconds_total
            c.fsync_max_s = max(c.fsync_max_s, fs.max_s)

    def _abandon(self, seg: _Open, message: str) -> None:
        """Storage failed mid-segment: keep what reached the disk, indexed to its last fragment."""
        self._last_dts.clear()
        closed = seg.writer.abort()
        self._account(seg, closed.size_bytes)
        try:
            result = index_segment_file(
                self._index, seg.pool, closed.path, seg.key, may_remove=False
            )
        except (OSError, SQLAlchemyError) as exc:
            log.error("cannot index abandoned segment %s: %s (repair will)", seg.relpath, exc)
        else:
            row = self._index.get_by_path(seg.pool.name, seg.relpath)
            if row is not None:
                self._previous_end_ms = max(row.end_ms, self._previous_end_ms or row.end_ms)
            if result.outcome in (FileOutcome.INDEXED, FileOutcome.TRUNCATED) and row is not None:
                self._bus.publish(
                    SegmentClosed(
                        row.id,
                        self.camera_id,
                        self.stream,
                        row.start_ms,
                        row.end_ms,
                        row.size_bytes,
                        row.path,
                    )
                )
        self._unpublish(seg)
        self._storage_failed(message)

    def _storage_failed(self, message: str) -> None:
        full = f"recorder {self.camera_id}/{self.stream}: {message}"
        delay_s = self._backoff.delay(self._retry_attempt)
        self._retry_attempt += 1
        self._retry_at = self._clock.monotonic() + delay_s
        with self._lock:
            self._counters.storage_errors += 1
        if self._state is not RecorderState.STORAGE_ERROR:
            log.error("%s; still draining the feed, retrying with backoff", full)
        else:
            log.debug("%s; retry in %.1f s", full, delay_s)
        self._state = RecorderState.STORAGE_ERROR
        self._last_error = message
        if self._on_storage_error is not None:
            try:
                self._on_storage_error(full)
            except Exception:
                log.exception("on_storage_error callback failed")

    def _publish(self, seg: _Open) -> None:
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

    def _unpublish(self, seg: _Open) -> None:
        """After the row is in the index (or left to repair): playback reads the index again."""
        if self._open_segments is not None:
            self._open_segments.end(self.camera_id, self.stream, seg.relpath)

    def _discard(self, count: int) -> None:
        with self._lock:
            self._counters.packets_discarded += count


def _make_dirs(root: Path, folder: Path) -> None:
    """Create the day/hour folders, fsyncing each new folder's parent so its name is durable."""
    missing: list[Path] = []
    current = folder
    while not current.is_dir() and current != root:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        fsync_dir(path.parent)
