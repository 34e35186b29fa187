"""What a WHEP session sends: RTP-clock timestamps, H.264 access units as aiortc packs them, and
camera audio decoded for aiortc's encoders when it cannot go out as is.

aiortc's H.264 `pack()` splits Annex B at start codes and takes the RTP timestamp from the packet's
pts and time base, so video leaves here as Annex B with SPS/PPS in front of every IDR (cameras
that keep them only in the SDP would otherwise be undecodable for a viewer joining later).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TypeAlias

import av
import av.audio.resampler
import av.stream

from vms.core.clock import Clock
from vms.media.h26x import (
    H264_SPS,
    VideoCodec,
    nal_type,
    parse_extradata,
    split_annexb,
    split_nal_units,
    to_annexb,
)
from vms.media.packet import CodecParams

AnyPacket: TypeAlias = "av.Packet[av.stream.Stream]"  # PyAV's stubs only: not subscriptable
VIDEO_CLOCK_RATE = 90_000
CATCHUP_STEP_S = 0.001  # spacing of the cached GOP's frames when it is sent at once


class RtpTimeline:
    """Outgoing RTP-clock timestamps of one track, strictly increasing for the whole session.

    Within a camera generation the source's spacing is kept, except while catching up (the cached
    GOP sent at once), where frames are `CATCHUP_STEP_S` apart so the receiver decodes them at
    once instead of replaying up to a GOP's duration behind live. A new generation (camera
    reconnect, timestamp reset) continues after the wall time that really passed.
    """

    __slots__ = ("_clock", "_last_generation", "_last_mono", "_last_out", "_last_src", "_rate")

    def __init__(self, clock_rate: int, clock: Clock) -> None:
        self._rate = clock_rate
        self._clock = clock
        self._last_out: int | None = None
        self._last_src = 0
        self._last_generation = -1
        self._last_mono = 0.0

    @property
    def clock_rate(self) -> int:
        return self._rate

    def next(self, ts: int, time_base: Fraction, generation: int, *, catching_up: bool) -> int:
        """The RTP-clock time of a source timestamp (`ts` in `time_base`)."""
        src = ts * time_base.numerator * self._rate // time_base.denominator
        now = self._clock.monotonic()
        last = self._last_out
        if last is None:
            out = 0
        elif generation != self._last_generation:
            out = last + max(1, round((now - self._last_mono) * self._rate))
        else:
            delta = src - self._last_src
            if catching_up:
                delta = min(delta, max(1, round(CATCHUP_STEP_S * self._rate)))
            out = last + max(1, delta)
        self._last_out = out
        self._last_src = src
        self._last_generation = generation
        self._last_mono = now
        return out


class H264AccessUnits:
    """Turns a camera's H.264 packets into Annex B with the parameter sets before each IDR."""

    __slots__ = ("_length_size", "_prefix")

    def __init__(self, extradata: bytes) -> None:
        try:
            sets = parse_extradata(VideoCodec.H264, extradata)
        except ValueError:
            sets = parse_extradata(VideoCodec.H264, b"")
        self._prefix = to_annexb(sets.sps + sets.pps)
        self._length_size = sets.length_size

    def prepare(self, data: bytes, keyframe: bool) -> bytes:
        """Annex B bytes of one access unit (length-prefixed input is converted)."""
        if not (data.startswith(b"\x00\x00\x01") or data.startswith(b"\x00\x00\x00\x01")):
            data = to_annexb(split_nal_units(data, self._length_size))
        if keyframe and self._prefix and not _has_sps(data):
            data = self._prefix + data
        return data


def _has_sps(annexb: bytes) -> bool:
    return any(nal_type(VideoCodec.H264, unit) == H264_SPS for unit in split_annexb(annexb))


def video_packet(data: bytes, pts_90k: int) -> AnyPacket:
    """An av.Packet as aiortc's RTCRtpSender takes it from a track (pts in 1/90000 s)."""
    packet = av.Packet(data)
    packet.pts = pts_90k
    packet.dts = pts_90k
    packet.time_base = Fraction(1, VIDEO_CLOCK_RATE)
    return packet


def audio_packet(data: bytes, pts: int, clock_rate: int) -> AnyPacket:
    """An encoded audio packet sent as is (G.711 or Opus), pts in the RTP clock."""
    packet = av.Packet(data)
    packet.pts = pts
    packet.time_base = Fraction(1, clock_rate)
    return packet


class AudioDecoder:
    """Decodes a camera's audio to s16 frames, the input aiortc's Opus and G.711 encoders take."""

    def __init__(self, params: CodecParams) -> None:
        context = av.CodecContext.create(params.codec, "r")
        assert isinstance(context, av.AudioCodecContext)
        if params.extradata:
            context.extradata = params.extradata
        if params.sample_rate:
            context.sample_rate = params.sample_rate
        layout = "stereo" if params.channels >= 2 else "mono"
        if params.channels:
            context.layout = layout
        context.open()
        self._context = context
        self._time_base = params.time_base
        self._resampler = av.audio.resampler.AudioResampler(
            format="s16", layout=layout, rate=params.sample_rate or None
        )
        self.sample_rate = params.sample_rate

    def decode(self, data: bytes, pts: int) -> list[av.AudioFrame]:
        """Frames of one packet; a packet the decoder rejects gives none (logged by FFmpeg)."""
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = self._time_base
        try:
            frames = self._context.decode(packet)
            out: list[av.AudioFrame] = []
            for frame in frames:
                out.extend(self._resampler.resample(frame))
        except av.FFmpegError:
            return []
        return out
