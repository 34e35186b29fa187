"""Recorder sink: turns a camera stream's packet feed into indexed fMP4 segments.

One writer thread per recorded stream. It waits for a keyframe, cuts a segment at the first
keyframe after the target duration (media time), starts a new one on any discontinuity, commits
one index row per closed segment (`SegmentBook`), and survives storage failures: it keeps draining
its feed so the hub never stalls, and retries with backoff until the storage works again.
In events mode (`modes.py`) it writes only around events, from a pre-roll of buffered GOPs.
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

from vms.core.bus import EventReported
from vms.core.errors import StorageUnavailableError
from vms.core.ids import CameraId, StreamName
from vms.media.packet import HubItem, Packet, PacketsDropped, StreamEnded, StreamInfo
from vms.media.sink import deliver
from vms.recording.modes import EventRecording, RecordingMode
from vms.recording.segment_book import OpenFile, SegmentBook
from vms.recording.segment_writer import SegmentWriter, fsync_dir
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.layout import SegmentKey, segment_relpath

log = logging.getLogger(__name__)


class PacketFeed(Protocol):
    """What the recorder reads: a hub subscription (declared here so recording needs no ingest)."""

    def get(self, timeout: float | None = None) -> HubItem | None: ...

    def get_nowait(self) -> HubItem | None: ...

    def close(self) -> None: ...


class RecorderState(StrEnum):
    IDLE = "idle"
    WAITING_KEYFRAME = "waiting_keyframe"
    RECORDING = "recording"
    WAITING_EVENTS = "waiting_events"  # events mode, idle: nothing to write until an event
    STORAGE_ERROR = "storage_error"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class RecorderStats:
    bytes_written: int
    segments_closed: int
    packets_written: int
    packets_discarded: int  # lost to errors: no keyframe yet, storage, muxer, a slow feed
    fsync_count: int
    fsync_seconds_total: float
    fsync_max_s: float
    state: RecorderState
    last_error: str | None
    storage_errors: int
    packets_received: int = 0
    # Events mode: packets left out because no event wanted them (not errors), and packets
    # held now for the pre-roll. received = written + discarded + outside_events + buffered.
    packets_outside_events: int = 0
    packets_buffered: int = 0
    event_locks: int = 0  # evidence locks stored for events' recordings


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
    packets_received: int = 0


def _compatible(a: StreamInfo, b: StreamInfo) -> bool:
    return len(a.tracks) == len(b.tracks) and all(
        x.same_format(y) for x, y in zip(a.tracks, b.tracks, strict=True)
    )


class Recorder:
    """The recording of one camera stream, a Sink of its feed; `start` once, `stop` once."""

    def __init__(
        self,
        camera_id: CameraId,
        stream: StreamName,
        feed: PacketFeed,
        services: RecorderServices,
        settings: RecorderSettings,
        *,
        mode: RecordingMode | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self._feed = feed
        self._pools = services.pools
        self._clock = services.clock
        self._on_storage_error = services.on_storage_error
        self._settings = settings
        self._book = SegmentBook(
            camera_id, stream, services.index, services.bus, services.open_segments
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._counters = _Counters()
        self._state = RecorderState.IDLE
        self._last_error: str | None = None
        self._info: StreamInfo | None = None
        self._tick_s: list[float] = []
        self._seg: OpenFile | None = None
        self._last_dts: dict[int, int] = {}
        self._retry_at = 0.0
        self._retry_attempt = 0
        self._bus = services.bus
        self._events = EventRecording(
            camera_id,
            mode or RecordingMode(),
            locks=services.locks,
            pre_roll_max_bytes=settings.pre_roll_max_bytes,
            who=f"{camera_id}/{stream}",
        )
        self._unsubscribe: Callable[[], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("recorder already started")
        gated = self._events.gate is not None
        self._state = RecorderState.WAITING_EVENTS if gated else RecorderState.WAITING_KEYFRAME
        if self._events.mode.follows_events:
            self._unsubscribe = self._bus.subscribe(EventReported, self._events.trigger.on_event)
        self._thread = threading.Thread(
            target=self._run, name=f"recorder-{self.camera_id}-{self.stream}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the current segment (indexed), end the thread and the feed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._events.lock_events()
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
            outside, buffered = self._events.stats()
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
                packets_received=c.packets_received,
                packets_outside_events=outside,
                packets_buffered=buffered,
                event_locks=self._events.locks_stored,
            )

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._feed.get(timeout=self._settings.poll_s)
                while item is not None and not self._stop.is_set():
                    deliver(item, self)
                    item = self._feed.get_nowait()
                self._events.lock_events()
                # Let packets gather: one wake-up per batch instead of one per packet (a thread
                # switch and a GIL hand-off each) halves the recorder's CPU. The feed's queue
                # holds far more than a batch, and nothing waits on a recording in real time.
                self._stop.wait(self._settings.batch_s)
        except Exception:  # a bug must not silently stop recording unnoticed
            log.exception("recorder %s/%s failed", self.camera_id, self.stream)
            self._last_error = "internal error (see log)"
        finally:
            self._end_segment("stop")
            self._state = RecorderState.STOPPED

    # -- the Sink (vms.media.sink): hub items, on the recorder's thread ----------------------
    def on_info(self, info: StreamInfo) -> None:
        old = self._info
        if old is not None and (old.generation != info.generation or not _compatible(old, info)):
            self._end_segment("new stream format or generation")
            self._events.clear()
        self._info = info
        # Seconds per tick of each track, computed once: Fraction maths per packet is costly.
        self._tick_s = [float(track.time_base) for track in info.tracks]

    def on_ended(self, ended: StreamEnded) -> None:
        self._end_segment(f"stream ended: {ended.reason}")
        self._events.clear()

    def on_dropped(self, dropped: PacketsDropped) -> None:
        with self._lock:
            self._counters.packets_received += dropped.count
        self._discard(dropped.count)
        self._end_segment(f"{dropped.count} packets dropped")
        self._events.clear()

    def on_packet(self, packet: Packet) -> None:
        with self._lock:
            self._counters.packets_received += 1
        info = self._info
        if info is None or packet.generation != info.generation or packet.track >= len(info.tracks):
            self._discard(1)
            return
        sync_track = info.video_track if info.video_track is not None else 0
        gate = self._events.gate
        if gate is None:
            self._record(packet, info, packet.keyframe and packet.track == sync_track)
            return
        was_active = gate.active
        packets = self._events.route(packet, packet.keyframe and packet.track == sync_track)
        if was_active and not gate.active:
            self._end_segment("post-roll over")
        for held in packets:
            self._record(held, info, held.keyframe and held.track == sync_track)
        if not gate.active and self._seg is None and self._state is not RecorderState.STORAGE_ERROR:
            self._state = RecorderState.WAITING_EVENTS

    def _record(self, packet: Packet, info: StreamInfo, sync: bool) -> None:
        """Write one packet, cutting and opening segments as it requires."""
        tick_s = self._tick_s[packet.track]
        seg = self._seg
        if seg is not None:
            last = self._last_dts.get(packet.track)
            step_s = None if last is None else (packet.dts - last) * tick_s
            if step_s is not None and (step_s < 0 or step_s > self._settings.max_gap_s):
                self._end_segment(f"timestamp jump of {float(step_s):.3f} s")
            elif (
                sync and packet.pts * tick_s - seg.first_pts_s >= self._settings.segment_duration_s
            ):
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
            pool = self._pools.choose(self._settings.min_free_bytes)
            start_ms = self._book.start_ms(packet.wall_ms)
            while (pool.root / segment_relpath(self.camera_id, self.stream, start_ms)).exists():
                start_ms += 1  # two segments in one millisecond (a reconnect): keep both
            relpath = segment_relpath(self.camera_id, self.stream, start_ms)
            path = pool.root / relpath
            _make_dirs(pool.root, path.parent)
            writer = SegmentWriter.open(path, info, fragment_ms=self._settings.fragment_ms)
        except (StorageUnavailableError, OSError) as exc:
            self._storage_failed(f"cannot open a segment: {exc}")
            return False
        key = SegmentKey(self.camera_id, self.stream, start_ms)
        first_pts_s = packet.pts * self._tick_s[packet.track]
        seg = OpenFile(writer, pool, key, relpath.as_posix(), first_pts_s)
        with self._lock:
            self._seg = seg
        self._book.publish(seg)
        if self._state is RecorderState.STORAGE_ERROR:
            log.info("recorder %s/%s: storage works again, recording", self.camera_id, self.stream)
        self._retry_attempt = 0
        self._state = RecorderState.RECORDING
        return True

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
                self._book.publish(seg)
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
        self._account(seg, closed.size_bytes)
        error = self._book.commit(seg, closed)
        if error is not None:
            self._last_error = error
        self._book.unpublish(seg)
        if self._state is RecorderState.RECORDING:
            self._state = RecorderState.WAITING_KEYFRAME

    def _account(self, seg: OpenFile, size_bytes: int) -> None:
        fs = seg.writer.fsync_stats()
        with self._lock:
            self._seg = None
            c = self._counters
            c.closed_bytes += size_bytes
            c.segments_closed += 1
            c.fsync_count += fs.count
            c.fsync_seconds_total += fs.seconds_total
            c.fsync_max_s = max(c.fsync_max_s, fs.max_s)

    def _abandon(self, seg: OpenFile, message: str) -> None:
        """Storage failed mid-segment: keep what reached the disk, indexed to its last fragment."""
        self._last_dts.clear()
        closed = seg.writer.abort()
        self._account(seg, closed.size_bytes)
        self._book.abandoned(seg, closed)
        self._book.unpublish(seg)
        self._storage_failed(message)

    def _storage_failed(self, message: str) -> None:
        full = f"recorder {self.camera_id}/{self.stream}: {message}"
        delay_s = self._settings.retry_backoff.delay(self._retry_attempt)
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
