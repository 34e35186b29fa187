"""Export writer: one standard MP4 by stream copy from segment files, cut on a keyframe.

Packets are copied, never decoded. The cut starts at the last video keyframe at or before the
requested start and stops before the first packet at or after the end. Each source file's decode
times start at 0 (ADR 0001), so each file is placed at its wall-clock offset from the first
keyframe, never overlapping the previous file (a few ms of jitter at a boundary lengthen one frame).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error

from vms.core.durable import fsync_path
from vms.core.errors import InvalidInputError, NotFoundError


class ExportCancelled(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The job was cancelled while writing."""


@dataclass(frozen=True, slots=True)
class ExportSource:
    segment_id: int
    path: Path
    start_ms: int  # wall time of the file's media time 0
    end_ms: int


@dataclass(frozen=True, slots=True)
class ExportResult:
    media_start_ms: int
    duration_ms: int
    video_frames: int
    used: tuple[ExportSource, ...]
    skipped: tuple[tuple[ExportSource, str], ...]


@dataclass(slots=True)
class _Out:
    stream: Any
    codec: str
    offset: int | None = None  # ticks added to this source's timestamps
    last_dts: int | None = None
    end: int = 0  # output time just after the last packet, ticks


class _Writer:
    def __init__(self, out: Any, end_ms: int) -> None:
        self.out = out
        self.end_ms = end_ms
        self.tracks: dict[str, _Out] = {}
        self.media_start_ms: int | None = None
        self.video_frames = 0
        self.last_video_end_ms = 0

    def add_tracks(self, path: Path) -> None:
        """Output tracks like the first file's video and audio (later files must match)."""
        with av.open(str(path)) as container:
            for stream in container.streams:
                if stream.type in ("video", "audio") and stream.type not in self.tracks:
                    self.tracks[stream.type] = _Out(
                        self.out.add_stream_from_template(stream), stream.codec_context.name
                    )

    def begin_file(self) -> None:
        for track in self.tracks.values():
            track.offset = None

    def write(self, pkt: Any, file_start_ms: int) -> None:
        track = self.tracks.get(pkt.stream.type)
        if track is None:
            return
        if track.codec != pkt.stream.codec_context.name:
            raise InvalidInputError("the codec changes within the range: export a shorter range")
        tb: Fraction = pkt.stream.time_base
        if track.offset is None:
            assert self.media_start_ms is not None
            wall_offset = round(Fraction(file_start_ms - self.media_start_ms, 1000) / tb)
            track.offset = max(wall_offset, track.end - pkt.dts)
        dts = pkt.dts + track.offset
        if track.last_dts is not None and dts <= track.last_dts:
            return
        if dts < 0:
            return
        pkt.pts += track.offset
        pkt.dts = dts
        duration = pkt.duration or 0
        pkt.stream = track.stream
        self.out.mux(pkt)
        track.last_dts = dts
        track.end = max(track.end, dts + duration)
        if pkt.stream.type == "video":
            self.video_frames += 1
            end_s = (pkt.pts + duration) * tb
            self.last_video_end_ms = max(self.last_video_end_ms, round(end_s * 1000))


def _keyframe_start(path: Path, start_ms: int, file_start_ms: int) -> int | None:
    """Media time (µs) of the last video keyframe at or before the wall `start_ms` in a file."""
    best: int | None = None
    container: Any
    with av.open(str(path)) as container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        tb = stream.time_base
        for pkt in container.demux(stream):
            if pkt.pts is None:
                continue
            at_ms = file_start_ms + float(pkt.pts * tb * 1000)
            if at_ms > start_ms and best is not None:
                break
            if pkt.is_keyframe:
                best = round(pkt.pts * tb * 1_000_000)
    return best


def _copy_file(
    writer: _Writer, src: ExportSource, first_us: int | None, tick: Callable[[float], None]
) -> None:
    writer.begin_file()
    container: Any
    with av.open(str(src.path)) as container:
        size = max(src.path.stat().st_size, 1)
        for n, pkt in enumerate(container.demux()):
            if pkt.dts is None or pkt.pts is None:
                continue
            tb = pkt.stream.time_base
            media_us = pkt.pts * tb * 1_000_000
            if first_us is not None and media_us < first_us:
                continue
            wall_ms = src.start_ms + float(media_us / 1000)
            if wall_ms >= writer.end_ms:
                if pkt.stream.type == "video":
                    return
                continue
            writer.write(pkt, src.start_ms)
            if n % 64 == 0:
                tick(min(1.0, max(pkt.pos or 0, 0) / size))


def _on_disk(
    sources: Sequence[ExportSource],
) -> tuple[list[ExportSource], list[tuple[ExportSource, str]]]:
    """The sources whose file is on disk, and the others with the reason they are skipped."""
    present: list[ExportSource] = []
    skipped: list[tuple[ExportSource, str]] = []
    for src in sources:
        if src.path.is_file():
            present.append(src)
        else:
            skipped.append((src, "file missing"))
    return present, skipped


def _copy_all(
    writer: _Writer,
    present: Sequence[ExportSource],
    first_us: int,
    skipped: list[tuple[ExportSource, str]],
    *,
    progress: Callable[[float], None],
    cancelled: Callable[[], bool],
) -> list[ExportSource]:
    """Copy every file in order; an unreadable one is added to `skipped`, not fatal to the rest."""
    used: list[ExportSource] = []
    for i, src in enumerate(present):
        if cancelled():
            raise ExportCancelled
        base = i / len(present)

        def tick(fraction: float, base: float = base) -> None:
            if cancelled():
                raise ExportCancelled
            progress(base + fraction / len(present))

        try:
            _copy_file(writer, src, first_us if i == 0 else None, tick)
        except av.error.InvalidDataError as exc:
            skipped.append((src, f"unreadable: {exc}"))
            continue
        used.append(src)
    return used


def write_export(
    sources: Sequence[ExportSource],
    start_ms: int,
    end_ms: int,
    out_path: Path,
    *,
    progress: Callable[[float], None],
    cancelled: Callable[[], bool],
) -> ExportResult:
    """Write `out_path` (must not exist); on any failure the partial file is removed."""
    present, skipped = _on_disk(sources)
    if not present:
        raise NotFoundError("no recording file of the range is on disk")
    first = present[0]
    first_us = _keyframe_start(first.path, start_ms, first.start_ms)
    if first_us is None:
        raise NotFoundError("the first recording of the range has no video keyframe")
    media_start_ms = first.start_ms + first_us // 1000
    out = av.open(str(out_path), "w", format="mp4")
    try:
        out.metadata["creation_time"] = datetime.fromtimestamp(
            media_start_ms / 1000, tz=UTC
        ).isoformat(timespec="milliseconds")
        writer = _Writer(out, end_ms)
        writer.media_start_ms = media_start_ms
        writer.add_tracks(first.path)
        used = _copy_all(writer, present, first_us, skipped, progress=progress, cancelled=cancelled)
        out.close()
        fsync_path(out_path)  # on disk before it is signed and reported done
    except BaseException:
        with contextlib.suppress(Exception):
            out.close()
        out_path.unlink(missing_ok=True)
        raise
    progress(1.0)
    return ExportResult(
        media_start_ms,
        writer.last_video_end_ms,
        writer.video_frames,
        tuple(used),
        tuple(skipped),
    )
