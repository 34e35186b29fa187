"""Playback service: timeline, VOD playlists, frame grabs and export sources over the index."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import av
import av.error
from sqlalchemy import Engine

from vms.core.clock import Clock
from vms.core.errors import InvalidInputError, NotFoundError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.media.jpeg import encode_jpeg, scaled_to_width
from vms.playback import facts
from vms.playback.export import ExportSource
from vms.playback.facts import RunHeartbeat
from vms.playback.fragments import FragmentMap, FragmentMapStore, OpenFileMaps, load_or_build
from vms.playback.hls import VodSource, plan_vod, render_playlist
from vms.playback.timeline import (
    Bucket,
    Gap,
    GapFacts,
    Span,
    buckets,
    recorded_in_range,
    with_live,
)
from vms.storage.index import SegmentIndex, SegmentRow
from vms.storage.open_segments import OpenSegment, OpenSegments
from vms.storage.pools import StoragePools
from vms.storage.retention_marks import RetentionMarks


@dataclass(frozen=True, slots=True)
class Timeline:
    start_ms: int
    end_ms: int
    recorded: list[Span]
    gaps: list[Gap]
    buckets: list[Bucket]
    bucket_ms: int | None
    in_progress: Span | None = None  # the one of `recorded` still being written


@dataclass(frozen=True, slots=True)
class RecordingFile:
    """A recorded file by its stream and start: a closed segment's, or the one being written."""

    camera_id: CameraId
    stream: StreamName
    start_ms: int
    path: Path


@dataclass(frozen=True, slots=True)
class Playlist:
    text: str
    segments: int
    duration_s: float
    skipped: list[str]  # "recording <id>: why"


@dataclass(frozen=True, slots=True)
class PlaybackLimits:
    max_range_ms: int
    max_timeline_range_ms: int


def check_range(start_ms: int, end_ms: int, max_ms: int) -> None:
    if end_ms <= start_ms:
        raise InvalidInputError("end must be after start")
    if end_ms - start_ms > max_ms:
        raise InvalidInputError(
            f"the range is {(end_ms - start_ms) / 1000:.0f} s long; at most {max_ms // 1000} s"
        )


class PlaybackService:
    def __init__(
        self,
        engine: Engine,
        index: SegmentIndex,
        pools: StoragePools,
        clock: Clock,
        *,
        marks: RetentionMarks,
        limits: PlaybackLimits,
        open_segments: OpenSegments | None = None,
        run: RunHeartbeat | None = None,
    ) -> None:
        """`open_segments`: the files the recorders are writing (shown and played up to their
        last fsynced fragment); `run`: this process's run, which lasts until now."""
        self._engine = engine
        self._index = index
        self._pools = pools
        self._clock = clock
        self._marks = marks
        self.limits = limits
        self.maps = FragmentMapStore(engine)
        self._open = open_segments or OpenSegments()
        self._open_maps = OpenFileMaps()
        self._run = run

    def _path(self, row: SegmentRow) -> Path | None:
        pool = self._pools.get(row.pool)
        return None if pool is None else pool.root / PurePosixPath(row.path)

    # -- timeline ------------------------------------------------------------------------------
    def timeline(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        bucket_ms: int | None,
    ) -> Timeline:
        check_range(start_ms, end_ms, self.limits.max_timeline_range_ms)
        pairs = self._index.spans(camera, stream, start_ms, end_ms)
        live = self._live(camera, stream)
        live_span = None
        if live is not None:
            seg, _path, fmap = live
            live_span = Span(seg.start_ms, seg.start_ms + fmap.media_end_us // 1000)
        now_ms = self._clock.now_ms()
        runs = facts.runs(self._engine, start_ms, end_ms)
        current = self._run.current() if self._run is not None else None
        gap_facts = GapFacts(
            facts.outages(
                self._engine, camera, stream, start_ms=start_ms, end_ms=end_ms, now_ms=now_ms
            ),
            runs if current is None else [*runs, current],
            self._marks.get(camera),
        )
        result = recorded_in_range(
            pairs, live_span, start_ms, end_ms, now_ms=now_ms, facts=gap_facts
        )
        counted = (
            buckets(with_live(pairs, live_span), start_ms, end_ms, bucket_ms) if bucket_ms else []
        )
        return Timeline(
            start_ms, end_ms, result.spans, result.gaps, counted, bucket_ms, result.in_progress
        )

    def _live(
        self, camera: CameraId, stream: StreamName
    ) -> tuple[OpenSegment, Path, FragmentMap] | None:
        """The segment being written, its file and the map of its fsynced part, unless it was
        indexed meanwhile (its row then holds it) or cannot be read (it is shown once closed)."""
        seg = self._open.get(camera, stream)
        path = None if seg is None else self._open_path(seg)
        if seg is None or path is None:
            return None
        try:
            return seg, path, self._open_maps.get(path, seg.synced_bytes)
        except (NotFoundError, OSError):
            return None

    def _open_path(self, seg: OpenSegment) -> Path | None:
        """Where the file being written is, or None when its pool is unknown."""
        pool = self._pools.get(seg.pool)
        return None if pool is None else pool.root / PurePosixPath(seg.path)

    # -- VOD -----------------------------------------------------------------------------------
    def _sources(
        self, rows: list[SegmentRow], uri: Callable[[SegmentId], str], skipped: list[str]
    ) -> list[VodSource]:
        cached = self.maps.get_many([r.id for r in rows])
        built: dict[SegmentId, FragmentMap] = {}
        sources: list[VodSource] = []
        for row in rows:
            path = self._path(row)
            if path is None:
                skipped.append(f"recording {row.id}: its pool {row.pool} is not configured")
                continue
            try:
                fmap = load_or_build(self.maps, row.id, path, cached.get(row.id), pending=built)
            except (NotFoundError, OSError, av.error.FFmpegError) as exc:
                skipped.append(f"recording {row.id}: {exc}")
                continue
            sources.append(VodSource(row.id, row.start_ms, uri(row.id), fmap))
        self.maps.put_many(built)
        return sources

    def playlist(
        self,
        camera: CameraId,
        stream: StreamName,
        start_ms: int,
        end_ms: int,
        uri: Callable[[SegmentId], str],
        *,
        open_uri: Callable[[StreamName, int], str] | None = None,
    ) -> Playlist:
        """A VOD playlist of the range. With `open_uri` (where the bytes of a stream's file are
        found by its start), the segment being written is in it too, up to its last fsynced
        fragment: the playlist is a snapshot that ends there (a later request reaches further)."""
        check_range(start_ms, end_ms, self.limits.max_range_ms)
        rows = self._index.query(camera, stream, start_ms, end_ms)
        skipped: list[str] = []
        sources = self._sources(rows, uri, skipped)
        live = self._live(camera, stream) if open_uri is not None else None
        if live is not None and open_uri is not None and live[2].fragments:
            seg, _path, fmap = live
            indexed = any(r.path == seg.path and r.pool == seg.pool for r in rows)
            if not indexed and seg.start_ms < end_ms:
                sources.append(VodSource(0, seg.start_ms, open_uri(stream, seg.start_ms), fmap))
        plan = plan_vod(sources, start_ms, end_ms)
        if not plan.parts:
            why = f" ({'; '.join(skipped)})" if skipped else ""
            raise NotFoundError(f"{camera} has no playable recording in the range{why}")
        text = render_playlist(plan, [f"skipped {s}" for s in skipped])
        return Playlist(text, len(plan.parts), plan.duration_s, skipped)

    def recording_file(self, camera: CameraId, stream: StreamName, start_ms: int) -> RecordingFile:
        """The file of the stream's recording that starts at `start_ms`: the one being written,
        else a closed one (a player may still fetch a file's bytes after it was closed)."""
        seg = self._open.get(camera, stream)
        path = None if seg is None or seg.start_ms != start_ms else self._open_path(seg)
        if path is not None:
            return RecordingFile(camera, stream, start_ms, path)
        for row in self._index.query(camera, stream, start_ms, start_ms + 1):
            path = self._path(row)
            if row.start_ms == start_ms and path is not None:
                return RecordingFile(camera, stream, start_ms, path)
        raise NotFoundError(f"{camera} has no {stream.value} recording starting at {start_ms}")

    # -- frame ---------------------------------------------------------------------------------
    def frame_jpeg(
        self, camera: CameraId, stream: StreamName, at_ms: int, width: int | None
    ) -> bytes:
        path, fmap, start_ms = self._file_at(camera, stream, at_ms)
        rel_us = (at_ms - start_ms) * 1000
        data = _read_gop(path, fmap, rel_us)
        jpeg = encode_jpeg(scaled_to_width(_nearest_frame(data, rel_us), width))
        if jpeg is None:
            raise InvalidInputError("the frame could not be encoded as JPEG")
        return jpeg

    def _file_at(
        self, camera: CameraId, stream: StreamName, at_ms: int
    ) -> tuple[Path, FragmentMap, int]:
        """The file recorded at `at_ms`, its map and wall start: a closed segment's, else the
        fsynced part of the one being written."""
        rows = self._index.query(camera, stream, at_ms, at_ms + 1, limit=1)
        if rows:
            row = rows[0]
            path = self._path(row)
            if path is None:
                raise NotFoundError(f"recording {row.id} is in an unknown pool")
            cached = self.maps.get_many([row.id]).get(row.id)
            return path, load_or_build(self.maps, row.id, path, cached), row.start_ms
        live = self._live(camera, stream)
        if live is not None:
            seg, path, fmap = live
            if fmap.fragments and seg.start_ms <= at_ms < seg.start_ms + fmap.media_end_us // 1000:
                return path, fmap, seg.start_ms
        raise NotFoundError(f"{camera} has no recording at {at_ms}")

    # -- export --------------------------------------------------------------------------------
    def export_sources(
        self, camera: CameraId, stream: StreamName, start_ms: int, end_ms: int
    ) -> list[ExportSource]:
        check_range(start_ms, end_ms, self.limits.max_range_ms)
        out = []
        for row in self._index.query(camera, stream, start_ms, end_ms):
            path = self._path(row)
            if path is not None:
                out.append(ExportSource(row.id, path, row.start_ms, row.end_ms))
        return out


def _read_gop(path: Path, fmap: FragmentMap, rel_us: int) -> bytes:
    """The init section and the fragments from the keyframe before `rel_us` to the one with it."""
    first = fmap.keyframe_at_or_before(rel_us)
    last = first
    while last + 1 < len(fmap.fragments) and fmap.fragments[last + 1].start_us <= rel_us:
        last += 1
    with path.open("rb") as f:
        init = f.read(fmap.init_size_bytes)
        f.seek(fmap.fragments[first].offset_bytes)
        body = f.read(fmap.fragments[last].end_bytes - fmap.fragments[first].offset_bytes)
    return init + body


def _nearest_frame(data: bytes, rel_us: int) -> av.VideoFrame:
    best: av.VideoFrame | None = None
    best_delta: float | None = None
    container: Any
    with av.open(io.BytesIO(data), format="mp4") as container:
        stream = container.streams.video[0]
        tb = stream.time_base
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            delta = abs(float(frame.pts * tb * 1_000_000) - rel_us)
            if best_delta is None or delta < best_delta:
                best, best_delta = frame, delta
    if best is None:
        raise NotFoundError("no frame could be decoded at that time")
    return best
