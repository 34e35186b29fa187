"""Track descriptions and the SDP (RFC 8866) that the RTSP server answers DESCRIBE with.

Hand-written because it is a few formatted lines; the fmtp parameters follow RFC 6184 (H.264),
RFC 7798 (H.265), RFC 3640 (AAC-hbr) and RFC 3551 (PCMU, PCMA).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from vms.media.h26x import ParameterSets, VideoCodec, h264_profile_level_id, parse_extradata
from vms.media.packet import CodecParams, MediaKind

_AAC_SAMPLE_RATES = (
    96000,
    88200,
    64000,
    48000,
    44100,
    32000,
    24000,
    22050,
    16000,
    12000,
    11025,
    8000,
    7350,
)


@dataclass(frozen=True, slots=True)
class TrackDescription:
    """One track of a mount: what a client needs to set it up and decode it."""

    kind: MediaKind
    codec: str  # FFmpeg codec name: "h264", "hevc", "aac", "pcm_mulaw"
    clock_rate: int
    payload_type: int
    channels: int = 1
    parameter_sets: ParameterSets | None = None  # video only
    audio_config: bytes = b""  # AAC AudioSpecificConfig
    width: int = 0
    height: int = 0

    @staticmethod
    def video(codec: str, extradata: bytes, width: int = 0, height: int = 0) -> TrackDescription:
        """An H.264 (`codec="h264"`) or H.265 (`"hevc"`) track from avcC/hvcC/Annex B extradata."""
        video_codec = VideoCodec(codec)
        params = parse_extradata(video_codec, extradata)
        return TrackDescription(MediaKind.VIDEO, codec, 90_000, 96, 1, params, b"", width, height)

    @staticmethod
    def aac(audio_specific_config: bytes, payload_type: int = 97) -> TrackDescription:
        """An AAC track; sample rate and channels are read from the AudioSpecificConfig."""
        rate, channels = parse_audio_specific_config(audio_specific_config)
        return TrackDescription(
            MediaKind.AUDIO, "aac", rate, payload_type, channels, None, audio_specific_config
        )

    @staticmethod
    def pcmu() -> TrackDescription:
        """G.711 µ-law, 8 kHz mono, static payload type 0."""
        return TrackDescription(MediaKind.AUDIO, "pcm_mulaw", 8000, 0, 1)

    @staticmethod
    def pcma() -> TrackDescription:
        """G.711 A-law, 8 kHz mono, static payload type 8."""
        return TrackDescription(MediaKind.AUDIO, "pcm_alaw", 8000, 8, 1)


def track_from_codec_params(
    params: CodecParams, payload_type: int | None = None
) -> TrackDescription:
    """The track a restream mount announces for a stream that ingest demuxed."""
    if params.kind is MediaKind.VIDEO:
        track = TrackDescription.video(params.codec, params.extradata, params.width, params.height)
    elif params.codec == "aac":
        track = TrackDescription.aac(params.extradata)
    elif params.codec == "pcm_mulaw" and params.sample_rate == 8000:
        track = TrackDescription.pcmu()
    elif params.codec == "pcm_alaw" and params.sample_rate == 8000:
        track = TrackDescription.pcma()
    else:
        raise ValueError(f"no RTP mapping for {params.codec} at {params.sample_rate} Hz")
    if payload_type is None:
        return track
    return TrackDescription(
        track.kind,
        track.codec,
        track.clock_rate,
        payload_type,
        track.channels,
        track.parameter_sets,
        track.audio_config,
        track.width,
        track.height,
    )


def parse_audio_specific_config(config: bytes) -> tuple[int, int]:
    """(sample rate, channels) of an AAC AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1)."""
    if len(config) < 2:
        raise ValueError("AudioSpecificConfig too short")
    bits = int.from_bytes(config[:5].ljust(5, b"\x00"), "big")
    width = 40
    object_type = bits >> (width - 5)
    pos = 5
    if object_type == 31:
        pos += 6
    index = (bits >> (width - pos - 4)) & 0x0F
    pos += 4
    if index == 15:
        rate = (bits >> (width - pos - 24)) & 0xFFFFFF
        pos += 24
    elif index < len(_AAC_SAMPLE_RATES):
        rate = _AAC_SAMPLE_RATES[index]
    else:
        raise ValueError(f"reserved AAC sampling frequency index {index}")
    channels = (bits >> (width - pos - 4)) & 0x0F
    return rate, channels


def control_url(index: int) -> str:
    """The `a=control` value of track `index`, relative to the Content-Base."""
    return f"trackID={index}"


def _rtpmap(track: TrackDescription) -> str:
    if track.codec == "h264":
        return f"H264/{track.clock_rate}"
    if track.codec == "hevc":
        return f"H265/{track.clock_rate}"
    if track.codec == "aac":
        return f"mpeg4-generic/{track.clock_rate}/{track.channels}"
    if track.codec == "pcm_mulaw":
        return f"PCMU/{track.clock_rate}"
    if track.codec == "pcm_alaw":
        return f"PCMA/{track.clock_rate}"
    raise ValueError(f"no RTP mapping for codec {track.codec!r}")


def _b64(units: tuple[bytes, ...]) -> str:
    return ",".join(base64.b64encode(unit).decode("ascii") for unit in units)


def fmtp(track: TrackDescription) -> str | None:
    """The `a=fmtp` parameters of a track, or None when the payload format has none."""
    params = track.parameter_sets
    if track.codec == "h264" and params is not None:
        parts = ["packetization-mode=1"]
        if params.sps:
            parts.append(f"profile-level-id={h264_profile_level_id(params.sps[0])}")
            parts.append(f"sprop-parameter-sets={_b64(params.sps + params.pps)}")
        return "; ".join(parts)
    if track.codec == "hevc" and params is not None:
        if not (params.vps and params.sps and params.pps):
            return None
        return (
            f"sprop-vps={_b64(params.vps)}; sprop-sps={_b64(params.sps)}; "
            f"sprop-pps={_b64(params.pps)}"
        )
    if track.codec == "aac":
        return (
            "streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
            f"indexdeltalength=3; config={track.audio_config.hex()}"
        )
    return None


def build_sdp(tracks: tuple[TrackDescription, ...], address: str, session_name: str) -> str:
    """The session description of one mount; track `i` is controlled at `trackID=i`."""
    family = "IP6" if ":" in address else "IP4"
    lines = [
        "v=0",
        f"o=- 0 0 IN {family} {address}",
        f"s={session_name}",
        f"c=IN {family} {'::' if family == 'IP6' else '0.0.0.0'}",
        "t=0 0",
        "a=tool:vms",
        "a=range:npt=0-",
        "a=control:*",
    ]
    for index, track in enumerate(tracks):
        lines.append(f"m={track.kind.value} 0 RTP/AVP {track.payload_type}")
        lines.append(f"a=rtpmap:{track.payload_type} {_rtpmap(track)}")
        params = fmtp(track)
        if params is not None:
            lines.append(f"a=fmtp:{track.payload_type} {params}")
        if track.width and track.height:
            lines.append(f"a=x-dimensions:{track.width},{track.height}")
        lines.append(f"a=control:{control_url(index)}")
    return "\r\n".join(lines) + "\r\n"
