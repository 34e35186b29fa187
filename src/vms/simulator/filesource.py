"""The file source: a video file demuxed once, packetised once and looped forever by stream copy.

Timestamps continue across loops (each loop is offset by the file's duration) and sending is paced
by the clock. The sub stream is the file's video transcoded once at start to half size with the
same GOP; audio is shared by both.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from fractions import Fraction

import av
import av.container
import av.stream
import numpy as np

from vms.core.clock import Clock
from vms.media.rtp import RtpPayloads, VideoPacketizer, packetize_audio
from vms.media.sdp import TrackDescription
from vms.simulator.options import SimulatorOptions, VideoCodecName
from vms.simulator.pattern import VideoEncoder
from vms.simulator.unit import Emit, SourceUnit


@dataclass(frozen=True, slots=True)
class FileUnit:
    """One access unit of the file, packetised; times relative to the file's first packet."""

    track: int
    payloads: RtpPayloads
    rtp_time: int
    keyframe: bool
    send_s: float  # from DTS: when to send it within a loop
    pts_s: float  # presentation time within a loop


@dataclass(frozen=True, slots=True)
class LoopedMedia:
    """One variant of the file ready to loop: its tracks and units in sending order."""

    tracks: tuple[TrackDescription, ...]
    units: tuple[FileUnit, ...]
    duration: Fraction  # seconds


def load_file(path: str, options: SimulatorOptions) -> dict[str, LoopedMedia]:
    """Demux `path` (H.264/H.265 video, optional AAC) and build the main and sub variants."""
    with av.open(path) as container:
        video = container.streams.video[0]
        audio = next((s for s in container.streams.audio if s.codec_context.name == "aac"), None)
        streams = [video] if audio is None else [video, audio]
        packets = [p for p in container.demux(streams) if p.size > 0 and p.pts is not None]
        video_track = TrackDescription.video(
            video.codec_context.name,
            bytes(video.codec_context.extradata or b""),
            video.codec_context.width,
            video.codec_context.height,
        )
        tracks = [video_track]
        if audio is not None:
            tracks.append(TrackDescription.aac(bytes(audio.codec_context.extradata or b"")))
        video_packets = [p for p in packets if p.stream is video]
        if not video_packets:
            raise ValueError(f"{path}: no video packets")
        tb = video.time_base or Fraction(1, 90_000)
        first = min(float(p.pts * p.time_base) for p in packets if p.pts is not None)
        last = max(video_packets, key=lambda p: p.pts or 0)
        frame_s = Fraction(1) / Fraction(video.average_rate or 25)
        duration = ((last.pts or 0) - (video_packets[0].pts or 0)) * tb + frame_s
        main_units = _units(packets, video, tuple(tracks), first)
        sub = _transcode_sub(container, video_packets, options, first)
    audio_units = tuple(u for u in main_units if u.track == 1)
    sub_units = tuple(sorted(sub[1] + audio_units, key=lambda u: u.send_s))
    return {
        "main": LoopedMedia(tuple(tracks), main_units, duration),
        "sub": LoopedMedia((sub[0], *tracks[1:]), sub_units, duration),
    }


def _units(
    packets: list[av.Packet[av.stream.Stream]],
    video: av.stream.Stream,
    tracks: tuple[TrackDescription, ...],
    first_s: float,
) -> tuple[FileUnit, ...]:
    assert tracks[0].parameter_sets is not None
    packetizer = VideoPacketizer(tracks[0].parameter_sets)
    units: list[FileUnit] = []
    for packet in packets:
        data = bytes(packet)
        pts_s = float((packet.pts or 0) * packet.time_base) - first_s
        dts = packet.dts if packet.dts is not None else packet.pts
        send_s = max(0.0, float((dts or 0) * packet.time_base) - first_s)
        if packet.stream is video:
            payloads = packetizer.packetize(data)
            track, rate = 0, tracks[0].clock_rate
        else:
            payloads = packetize_audio("aac", data)
            track, rate = 1, tracks[1].clock_rate
        keyframe = bool(packet.is_keyframe) or payloads.keyframe
        units.append(FileUnit(track, payloads, round(pts_s * rate), keyframe, send_s, pts_s))
    units.sort(key=lambda u: u.send_s)
    return tuple(units)


def _transcode_sub(
    container: av.container.InputContainer,
    video_packets: list[av.Packet[av.stream.Stream]],
    options: SimulatorOptions,
    first_s: float,
) -> tuple[TrackDescription, tuple[FileUnit, ...]]:
    """Decode the file's video once, scale to half size and encode with keyframes kept in place."""
    video = container.streams.video[0]
    codec = VideoCodecName.H264 if video.codec_context.name == "h264" else VideoCodecName.H265
    rate = Fraction(video.average_rate or 25)
    width, height = video.codec_context.width // 4 * 2, video.codec_context.height // 4 * 2
    gop = max(1, round(options.gop_seconds * float(rate)))
    encoder = VideoEncoder(
        codec, (width, height), float(rate), gop, max(100_000, options.bitrate // 4)
    )
    track = TrackDescription.video(codec.ffmpeg_name, encoder.extradata, width, height)
    assert track.parameter_sets is not None
    packetizer = VideoPacketizer(track.parameter_sets)
    decoder = av.CodecContext.create(video.codec_context.name, "r")
    assert isinstance(decoder, av.VideoCodecContext)
    decoder.extradata = video.codec_context.extradata
    base_pts = video_packets[0].pts or 0
    tb = video.time_base or Fraction(1, 90_000)
    units: list[FileUnit] = []
    # The decoder hands frames out in presentation order; encoding each as it comes keeps one
    # frame in memory, not the whole file (a scene's loop is hundreds of raw frames).
    frames = (frame for packet in [*video_packets, None] for frame in decoder.decode(packet))
    for frame in frames:
        index = round(((frame.pts or 0) - base_pts) * tb * rate)
        planes = np.asarray(frame.reformat(width, height, "yuv420p").to_ndarray(), np.uint8)
        for out in encoder.encode(planes, index):
            pts_s = float(out.pts / rate) + float(base_pts * tb) - first_s
            payloads = packetizer.packetize(out.data)
            units.append(FileUnit(0, payloads, round(pts_s * 90_000), out.keyframe, pts_s, pts_s))
    encoder.close()
    return track, tuple(units)


async def play_looped(
    variant: str,
    media: LoopedMedia,
    clock: Clock,
    push: Emit,
    stop: asyncio.Event,
    *,
    delay_s: float = 0.0,
) -> None:
    """Send the units of `media` forever, paced by `clock`, with continuous timestamps.

    `delay_s` shifts this copy's schedule, so cameras looping one file are not frame-aligned.
    """
    start_mono = clock.monotonic() + delay_s
    start_wall_ms = clock.now_ms() + round(delay_s * 1000)
    rates = [track.clock_rate for track in media.tracks]
    loop_index = 0
    while not stop.is_set():
        loop_s = media.duration * loop_index
        offsets = [round(loop_s * rate) for rate in rates]
        for unit in media.units:
            delay = start_mono + float(loop_s) + unit.send_s - clock.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if stop.is_set():
                return
            wall_ms = start_wall_ms + round((float(loop_s) + unit.pts_s) * 1000)
            rtp_time = unit.rtp_time + offsets[unit.track]
            push(SourceUnit(variant, unit.track, unit.payloads, rtp_time, unit.keyframe, wall_ms))
        loop_index += 1
