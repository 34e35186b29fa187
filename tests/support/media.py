"""Generated media for tests: H.264 (+AAC) packets from a libx264 test pattern, as `Packet`s.

The pattern is encoded into an in-memory MP4 and demuxed back, so the packets and codec
parameters are what a Source would hand over (`codec_params_from_stream` templates included).
Also: any frames encoded and demuxed the same way, and a segment written by the recorder.
"""

from __future__ import annotations

import dataclasses
import io
import math
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np
from av.video.stream import VideoStream

from vms.media.avstream import codec_params_from_stream
from vms.media.h26x import split_annexb
from vms.media.packet import MediaKind, Packet, StreamInfo
from vms.recording.segment_writer import SegmentWriter

WALL_START_MS = 1_790_000_000_000  # 2026-09-21, a fixed wall clock for generated streams


@dataclass(frozen=True, slots=True)
class GeneratedStream:
    info: StreamInfo
    packets: tuple[Packet, ...]  # in decode order, tracks interleaved by time
    duration_s: float  # of the video track


def _video_frame(
    index: int, width: int, height: int, noise: np.random.Generator | None
) -> av.VideoFrame:
    """A moving bar on a gradient, the frame number burnt in as a row of blocks."""
    y = np.linspace(0, 255, height, dtype=np.uint8)[:, None].repeat(width, axis=1)
    rgb = np.stack([y, np.roll(y, index * 4, axis=1), 255 - y], axis=2)
    bar = (index * 8) % width
    rgb[:, bar : bar + 16] = 255
    for bit in range(16):
        if index >> bit & 1:
            rgb[0:8, bit * 8 : bit * 8 + 8] = 0
    if noise is not None:
        rgb = (rgb ^ noise.integers(0, 64, rgb.shape, dtype=np.uint8)).astype(np.uint8)
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")


def _encode(
    out: av.container.OutputContainer,
    *,
    duration_s: float,
    fps: int,
    gop: int,
    size: tuple[int, int],
    audio: bool,
    noise: bool,
) -> None:
    video = out.add_stream("libx264", rate=fps)
    video.width, video.height = size
    video.pix_fmt = "yuv420p"
    video.options = {
        "preset": "ultrafast",
        "tune": "zerolatency",
        "g": str(gop),
        "keyint_min": str(gop),
        "sc_threshold": "0",
        "bf": "0",
    }
    astream = out.add_stream("aac", rate=48_000) if audio else None
    if astream is not None:
        astream.layout = "mono"
    rng = np.random.default_rng(7) if noise else None
    frames = round(duration_s * fps)
    samples_per_frame = 1024
    audio_frames = math.ceil(duration_s * 48_000 / samples_per_frame)
    a_index = 0
    for index in range(frames):
        frame = _video_frame(index, size[0], size[1], rng)
        frame.pts = index
        frame.time_base = Fraction(1, fps)
        out.mux(video.encode(frame))
        while (
            astream is not None
            and a_index < audio_frames
            and a_index * samples_per_frame * fps <= index * 48_000
        ):
            t = (np.arange(samples_per_frame) + a_index * samples_per_frame) / 48_000
            tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
            aframe = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            aframe.sample_rate = 48_000
            aframe.pts = a_index * samples_per_frame
            aframe.time_base = Fraction(1, 48_000)
            out.mux(astream.encode(aframe))
            a_index += 1
    out.mux(video.encode(None))
    if astream is not None:
        out.mux(astream.encode(None))


def generate_stream(
    *,
    duration_s: float = 4.0,
    fps: int = 25,
    gop: int = 25,
    size: tuple[int, int] = (320, 240),
    audio: bool = True,
    noise: bool = False,
    generation: int = 1,
    wall_start_ms: int = WALL_START_MS,
) -> GeneratedStream:
    """Encode a test pattern and demux it back into Packets (wall_ms = wall_start_ms + pts)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        _encode(out, duration_s=duration_s, fps=fps, gop=gop, size=size, audio=audio, noise=noise)
    buffer.seek(0)
    with av.open(buffer, "r") as source:
        streams = [*source.streams.video, *source.streams.audio]
        tracks = tuple(codec_params_from_stream(s) for s in streams)
        packets: list[Packet] = []
        for raw in source.demux(streams):
            if raw.dts is None or raw.size == 0:
                continue
            track = streams.index(raw.stream)
            time_base = tracks[track].time_base
            packets.append(
                Packet(
                    track=track,
                    data=bytes(raw),
                    pts=int(raw.pts if raw.pts is not None else raw.dts),
                    dts=int(raw.dts),
                    duration=int(raw.duration or 0),
                    keyframe=bool(raw.is_keyframe),
                    wall_ms=wall_start_ms + round(int(raw.pts or raw.dts) * time_base * 1000),
                    generation=generation,
                )
            )
    packets.sort(key=lambda p: (p.dts * tracks[p.track].time_base, p.track))
    return GeneratedStream(
        StreamInfo(tracks, generation), tuple(packets), round(duration_s * fps) / fps
    )


def shifted(
    stream: GeneratedStream, *, offset_s: float, generation: int | None = None
) -> tuple[Packet, ...]:
    """The same packets moved `offset_s` later on both the media and the wall timeline."""
    out = []
    for p in stream.packets:
        tb = stream.info.tracks[p.track].time_base
        delta = round(Fraction(offset_s) / tb)
        out.append(
            dataclasses.replace(
                p,
                pts=p.pts + delta,
                dts=p.dts + delta,
                wall_ms=p.wall_ms + round(offset_s * 1000),
                generation=p.generation if generation is None else generation,
            )
        )
    return tuple(out)


def video_kind(stream: GeneratedStream) -> MediaKind:
    return stream.info.tracks[0].kind


def write_recorded_segment(path: Path, stream: GeneratedStream) -> Path:
    """`stream` from its first video keyframe on, written to `path` by the recorder's writer."""
    writer = SegmentWriter.open(path, stream.info)
    first_key = next(i for i, p in enumerate(stream.packets) if p.keyframe and p.track == 0)
    for packet in stream.packets[first_key:]:
        writer.write(packet)
    writer.close()
    return path


def encode_video(
    target: str | io.BytesIO,
    frames: Iterable[av.VideoFrame],
    *,
    codec: str,
    fps: int,
    size: tuple[int, int],
    options: dict[str, str],
) -> None:
    """Encode `frames` (numbered from 0, `fps` a second) as yuv420p video into an MP4."""
    with av.open(target, "w", format="mp4") as out:
        video = out.add_stream(codec, rate=fps)
        assert isinstance(video, VideoStream)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        video.options = {**options}
        for index, frame in enumerate(frames):
            frame.pts, frame.time_base = index, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))


def video_packets(
    mp4: io.BytesIO, wall_ms: Callable[[int, int], int]
) -> tuple[StreamInfo, list[Packet]]:
    """The video of an in-memory MP4 as a Source hands it over (generation 1); `wall_ms` gives
    each packet's wall clock from its index and its pts in milliseconds."""
    mp4.seek(0)
    with av.open(mp4, "r") as source:
        stream = source.streams.video[0]
        params = codec_params_from_stream(stream)
        packets = [
            Packet(
                track=0,
                data=bytes(raw),
                pts=int(raw.pts or 0),
                dts=int(raw.dts or 0),
                duration=int(raw.duration or 0),
                keyframe=bool(raw.is_keyframe),
                wall_ms=wall_ms(index, round(int(raw.pts or 0) * params.time_base * 1000)),
                generation=1,
            )
            for index, raw in enumerate(p for p in source.demux(stream) if p.size)
        ]
    return StreamInfo((params,), 1), packets


def decoded_video_frames(url: str, headers: str) -> int:
    """How many video frames ffprobe decodes from `url` (sent with HTTP `headers`); fails the
    test if ffprobe reports an error."""
    result = subprocess.run(
        [
            *("ffprobe", "-headers", headers, "-v", "error", "-count_frames"),
            *("-select_streams", "v", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[0])


def h264_access_units(width: int, height: int, frames: int, gop: int = 2) -> list[list[bytes]]:
    """The NAL units of each H.264 access unit of random pictures, a keyframe every `gop`
    frames with its parameter sets repeated before it (as cameras send them in-band)."""
    params = f"repeat-headers=1:keyint={gop}:min-keyint={gop}:scenecut=0"
    return noise_access_units("libx264", width, height, frames, params)


def noise_access_units(
    encoder: str, width: int, height: int, frames: int, params: str
) -> list[list[bytes]]:
    """The NAL units of each access unit of random pictures (large slices) through a real
    libx264/libx265 encoder at 10 fps with these x264-params/x265-params."""
    ctx = av.CodecContext.create(encoder, "w")
    assert isinstance(ctx, av.VideoCodecContext)
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base, ctx.framerate = Fraction(1, 10), Fraction(10)
    ctx.options = {"x264-params" if encoder == "libx264" else "x265-params": params}
    rng = np.random.default_rng(7)
    packets = []
    for index in range(frames):
        pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        packets += ctx.encode(frame)
    packets += ctx.encode(None)
    return [split_annexb(bytes(packet)) for packet in packets]
