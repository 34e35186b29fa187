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
from vms.playback.fragments import FragmentMap, FragmentMapStore, load_or_build
from vms.playback.hls import VodSource, plan_vod, render_playlist
from vms.playback.timeline import Bucket, Gap, GapFacts, Span, buckets, gaps_between, merge_pairs
from vms.storage.index import SegmentIndex, SegmentRow
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
    ) -> None:
        self._engine = engine
        self._index = index
        self._pools = pools
        self._clock = clock
        self._marks = marks
        self.limits = limits
        self.maps = FragmentMapStore(engine)

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
        recorded = [Span(max(a, start_ms), min(b, end_ms)) for a, b in merge_pairs(pairs)]
        now_ms = self._clock.now_ms()
        horizon_ms = min(end_ms, now_ms)
        gap_facts = GapFacts(
            facts.outages(
                self._engine, camera, stream, start_ms=start_ms, end_ms=end_ms, now_ms=now_ms
            ),
            facts.runs(self._engine, start_ms, end_ms),
            self._marks.get(camera),
        )
        gaps = gaps_between(recorded, start_ms, max(horizon_ms, start_ms), gap_facts)
        counted = buckets(pairs, start_ms, end_ms, bucket_ms) if bucket_ms else []
        return Timeline(start_ms, end_ms, recorded, gaps, counted, bucket_ms)

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
    ) -> Playlist:
        check_range(start_ms, end_ms, self.limits.max_range_ms)
        rows = self._index.query(camera, stream, start_ms, end_ms)
        skipped: list[str] = []
        plan = plan_vod(self._sources(rows, uri, skipped), start_ms, end_ms)
        if not plan.parts:
            why = f" ({'; '.join(skipped)})" if skipped else ""
            raise NotFoundError(f"{camera} has no playable recording in the range{why}")
        text = render_playlist(plan, [f"skipped {s}" for s in skipped])
        return Playlist(text, len(plan.parts), plan.duration_s, skipped)

    # -- frame ---------------------------------------------------------------------------------
    def frame_jpeg(
        self, camera: CameraId, stream: StreamName, at_ms: int, width: int | None
    ) -> bytes:
        rows = self._index.query(camera, stream, at_ms, at_ms + 1, limit=1)
        if not rows:
            raise NotFoundError(f"{camera} has no recording at {at_ms}")
        row = rows[0]
        path = self._path(row)
        if path is None:
            raise NotFoundError(f"recording {row.id} is in an unknown pool")
        fmap = load_or_build(self.maps, row.id, path, self.maps.get_many([row.id]).get(row.id))
        rel_us = (at_ms - row.start_ms) * 1000
        data = _read_gop(path, fmap, rel_us)
        jpeg = encode_jpeg(scaled_to_width(_nearest_frame(data, rel_us), width))
        if jpeg is None:
            raise InvalidInputError("the frame could not be encoded as JPEG")
        return jpeg

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
