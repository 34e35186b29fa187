"""Read a segment file's facts (codecs, size, media duration, frames) with PyAV, for repair."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error


@dataclass(frozen=True, slots=True)
class SegmentProbe:
    size_bytes: int
    duration_ms: int
    frames: int  # video packets (audio packets for an audio-only file)
    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int


def probe_segment(path: Path) -> SegmentProbe | None:
    """Demux (no decode) the whole file; None when it holds no readable packet."""
    try:
        container = av.open(str(path), "r")
    except (av.error.FFmpegError, OSError):
        return None
    with container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        main = video or audio
        if main is None:
            return None
        first: int | None = None
        end = 0
        frames = 0
        try:
            for packet in container.demux(main):
                if packet.dts is None:
                    continue
                frames += 1
                first = packet.dts if first is None else min(first, packet.dts)
                end = max(end, packet.dts + (packet.duration or 0))
        except (av.error.FFmpegError, OSError):
            pass  # a torn tail: keep what was read
        if first is None or frames == 0:
            return None
        time_base = main.time_base or Fraction(1, 90_000)
        return SegmentProbe(
            size_bytes=path.stat().st_size,
            duration_ms=round((end - first) * time_base * 1000),
            frames=frames,
            video_codec=video.codec_context.name if video else None,
            audio_codec=audio.codec_context.name if audio else None,
            width=int(video.codec_context.width) if video else 0,
            height=int(video.codec_context.height) if video else 0,
        )
