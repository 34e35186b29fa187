"""One fragmented-MP4 segment file written by stream copy, fsynced at every fragment.

Fragments are cut by FFmpeg's mp4 muxer at each video keyframe and at least every `fragment_ms`
(movflags frag_keyframe + frag_duration); the muxer holds a fragment in memory and writes it whole,
so a growing file size means a fragment reached the file, and that is when it is fsynced.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.stream

from vms.core.durable import fsync_path
from vms.media.avstream import add_output_stream, stored_payload
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"


@dataclass(frozen=True, slots=True)
class ClosedSegment:
    """What a finished (or abandoned) segment file holds."""

    path: Path
    size_bytes: int
    duration_ms: int
    frames: int  # video packets written (audio packets when there is no video)
    packets: int
    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FsyncStats:
    count: int
    seconds_total: float
    max_s: float


def fsync_dir(path: Path) -> None:
    """Make a directory entry (a new file's name) durable."""
    fsync_path(path, directory=True)


class _Track:
    """Per track: the output stream, the rebasing offset and the running end of media."""

    __slots__ = ("end", "frame_delta", "last_dts", "offset", "params", "stream")

    def __init__(self, params: CodecParams, stream: av.stream.Stream) -> None:
        self.params = params
        self.stream = stream
        self.offset: int | None = None
        self.last_dts: int | None = None
        self.frame_delta = 0
        self.end = 0  # rebased, in the track's time base


class SegmentWriter:
    """Writes one segment. Not thread-safe: one writer thread owns it."""

    def __init__(
        self,
        path: Path,
        info: StreamInfo,
        container: av.container.OutputContainer,
        fd: int,
        tracks: list[_Track],
    ) -> None:
        self.path = path
        self.info = info
        self._container = container
        self._fd = fd
        self._tracks = tracks
        self._main = info.video_track if info.video_track is not None else 0
        self._origin_s: Fraction | None = None
        self._synced_size = 0
        self._frames = 0
        self._packets = 0
        self._fsync_count = 0
        self._fsync_total_s = 0.0
        self._fsync_max_s = 0.0
        self._closed = False

    @classmethod
    def open(cls, path: Path, info: StreamInfo, *, fragment_ms: int = 1000) -> SegmentWriter:
        """Create the file (it must not exist) and write the empty-moov header."""
        options = {
            "movflags": MOVFLAGS,
            "frag_duration": str(fragment_ms * 1000),
            "flush_packets": "1",
        }
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)  # never overwrite
        try:
            container = av.open(str(path), "w", format="mp4", options=options)
        except BaseException:
            os.close(fd)
            raise
        try:
            tracks = [_Track(t, add_output_stream(container, t)) for t in info.tracks]
            container.start_encoding()  # writes ftyp + empty moov now, not at the first packet
        except BaseException:
            os.close(fd)
            container.close()
            raise
        return cls(path, info, container, fd, tracks)

    @property
    def packets(self) -> int:
        return self._packets

    @property
    def size_bytes(self) -> int:
        """File size at the last fragment that reached the disk."""
        return self._synced_size

    def first_pts_s(self) -> Fraction | None:
        """Media time of the segment's first packet (the origin all tracks are rebased to)."""
        return self._origin_s

    def write(self, packet: Packet) -> bool:
        """Write one packet by stream copy; False if it was dropped (before the segment start)."""
        track = self._tracks[packet.track]
        tb = track.params.time_base
        if self._origin_s is None:
            self._origin_s = packet.dts * tb
        if track.offset is None:
            track.offset = round(self._origin_s / tb)
        dts = packet.dts - track.offset
        pts = packet.pts - track.offset
        if dts < 0 or (track.last_dts is not None and dts <= track.last_dts):
            return False  # before the origin (audio preceding the keyframe) or not monotonic
        av_packet = av.Packet(stored_payload(track.params, packet.data))
        av_packet.pts = pts
        av_packet.dts = dts
        av_packet.duration = packet.duration
        av_packet.time_base = tb
        av_packet.is_keyframe = packet.keyframe
        av_packet.stream = track.stream
        self._container.mux_one(av_packet)
        if track.last_dts is not None:
            track.frame_delta = dts - track.last_dts
        track.last_dts = dts
        track.end = max(track.end, dts + (packet.duration or track.frame_delta))
        self._packets += 1
        if packet.track == self._main:
            self._frames += 1
        self._sync_if_grown()
        return True

    def _sync_if_grown(self) -> None:
        size = os.fstat(self._fd).st_size
        if size != self._synced_size:
            self._fsync()
            self._synced_size = size

    def _fsync(self) -> None:
        started = time.perf_counter()
        os.fsync(self._fd)
        elapsed = time.perf_counter() - started
        self._fsync_count += 1
        self._fsync_total_s += elapsed
        self._fsync_max_s = max(self._fsync_max_s, elapsed)

    def duration_ms(self) -> int:
        main = self._tracks[self._main]
        return round(main.end * main.params.time_base * 1000)

    def fsync_stats(self) -> FsyncStats:
        return FsyncStats(self._fsync_count, self._fsync_total_s, self._fsync_max_s)

    def close(self) -> ClosedSegment:
        """Write the last fragment and the trailer, fsync the file and its folder."""
        if self._closed:
            raise RuntimeError(f"{self.path} is already closed")
        self._closed = True
        try:
            self._container.close()
            self._fsync()
            fsync_dir(self.path.parent)
        finally:
            os.close(self._fd)
        return self._summary(self.path.stat().st_size)

    def abort(self) -> ClosedSegment:
        """Give up on a file that cannot be written (full disk, I/O error): close, never raise.

        What reached the disk stays; the caller indexes it up to its last whole fragment.
        """
        if not self._closed:
            self._closed = True
            with contextlib.suppress(av.error.FFmpegError, OSError):
                self._container.close()
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
            os.close(self._fd)
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        return self._summary(size)

    def _summary(self, size_bytes: int) -> ClosedSegment:
        video = next((t.params for t in self._tracks if t.params.kind is MediaKind.VIDEO), None)
        audio = next((t.params for t in self._tracks if t.params.kind is MediaKind.AUDIO), None)
        return ClosedSegment(
            path=self.path,
            size_bytes=size_bytes,
            duration_ms=self.duration_ms(),
            frames=self._frames,
            packets=self._packets,
            video_codec=video.codec if video else None,
            audio_codec=audio.codec if audio else None,
            width=video.width if video else 0,
            height=video.height if video else 0,
        )
