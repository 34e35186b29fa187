"""WHEP offer checks and codec choice, answer candidate filtering and ICE `Link` headers.

aiortc parses and writes the SDP (`aiortc.sdp`) and negotiates; this module only decides what a
camera stream can be offered as (H.264 as is; G.711/Opus as is or any audio re-encoded) and turns
every way an offer can be unusable into one clear error before a peer connection is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import av
from aiortc import RTCRtpSender, sdp
from aiortc.codecs import CODECS
from aiortc.rtcpeerconnection import is_codec_compatible
from aiortc.rtcrtpparameters import RTCRtpCodecCapability, RTCRtpCodecParameters

from vms.config.live import IceServer
from vms.core.errors import ConflictError, InvalidInputError
from vms.media.h26x import VideoCodec, h264_profile_level_id, parse_extradata
from vms.media.packet import CodecParams

MAX_OFFER_BYTES = 64 * 1024
CONSTRAINED_BASELINE = "42e01f"
BASELINE = "42001f"
OPUS = "audio/opus"
PCMU = "audio/PCMU"
PCMA = "audio/PCMA"
# Camera codecs that go out unchanged, with the RTP format they go out as (clock 8 kHz mono for
# G.711, RFC 3551; Opus always uses a 48 kHz RTP clock, RFC 7587).
PASSTHROUGH = {"pcm_mulaw": PCMU, "pcm_alaw": PCMA, "opus": OPUS}
_TRANSCODE_ORDER = (OPUS, PCMU, PCMA)


class MalformedOfferError(InvalidInputError):
    """The body is not an SDP document at all (answered 400, unlike an unusable offer's 422)."""


@dataclass(frozen=True, slots=True)
class AudioChoice:
    """How a camera's audio track is sent: its RTP format and whether it is re-encoded."""

    mime_type: str
    passthrough: bool

    @property
    def clock_rate(self) -> int:
        return 48_000 if self.mime_type == OPUS else 8_000


@dataclass(frozen=True, slots=True)
class OfferPlan:
    """What the answer will carry: one H.264 format, and audio when asked for and possible."""

    video: tuple[RTCRtpCodecCapability, ...]
    profile_level_id: str
    audio: AudioChoice | None
    audio_codecs: tuple[RTCRtpCodecCapability, ...]


def parse_offer(body: bytes) -> sdp.SessionDescription:
    """The offer parsed by aiortc; MalformedOfferError when the body is not SDP text."""
    if len(body) > MAX_OFFER_BYTES:
        raise MalformedOfferError(f"the offer is larger than {MAX_OFFER_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedOfferError("the offer is not UTF-8 text") from exc
    if not text.lstrip("\ufeff \t\r\n").startswith("v=0"):
        raise MalformedOfferError("the body is not an SDP offer (it must start with v=0)")
    try:
        return sdp.SessionDescription.parse(text)
    except (ValueError, KeyError, IndexError, AssertionError) as exc:
        why = str(exc) or type(exc).__name__
        raise MalformedOfferError(f"the SDP offer cannot be parsed ({why})") from exc


def check_camera_video(video: CodecParams | None, camera_path: str) -> None:
    """ConflictError unless the camera stream's video is H.264 without B-frames (WebRTC here
    sends it as is, and browsers' WebRTC H.264 decoders show frames in arrival order: RTP has
    no decoding time, so reordered pictures would play out of order or not at all)."""
    if video is None:
        raise ConflictError("WebRTC needs a video track; this camera stream has none")
    if video.codec != VideoCodec.H264.value:
        name = "H.265" if video.codec == VideoCodec.H265.value else video.codec
        raise ConflictError(
            f"WebRTC needs H.264; this camera sends {name} — use {camera_path}/live.m3u8 (LL-HLS)"
        )
    if video.has_b_frames:
        raise ConflictError(
            "WebRTC cannot carry H.264 with B-frames, which this camera sends — use"
            f" {camera_path}/live.mp4 (MSE over WebSocket) or {camera_path}/live.m3u8 (LL-HLS)"
        )


def plan_offer(
    offer: sdp.SessionDescription,
    video: CodecParams,
    audio: CodecParams | None,
    *,
    want_audio: bool,
) -> OfferPlan:
    """Check the offer (InvalidInputError with the reason) and choose the formats to answer."""
    media = offer.media
    if not media:
        raise InvalidInputError("the SDP offer has no media section")
    for section in media:
        if section.kind not in ("audio", "video"):
            continue
        if section.ice is None or not section.ice.usernameFragment or not section.ice.password:
            raise InvalidInputError(f"the offer's {section.kind} section has no ICE ufrag/pwd")
        if section.dtls is None or not section.dtls.fingerprints:
            raise InvalidInputError(f"the offer's {section.kind} section has no DTLS fingerprint")
    video_section = next((m for m in media if m.kind == "video"), None)
    if video_section is None:
        raise InvalidInputError("the offer has no video section; WHEP here sends H.264 video")
    if video_section.direction not in ("recvonly", "sendrecv", None):
        raise InvalidInputError(
            f"the offer's video section is {video_section.direction}; it must be recvonly"
        )
    profile = _preferred_profile(video)
    video_prefs = _h264_preferences(video_section.rtp.codecs, profile)
    audio_section = next((m for m in media if m.kind == "audio"), None)
    choice: AudioChoice | None = None
    audio_prefs: tuple[RTCRtpCodecCapability, ...] = ()
    if (
        want_audio
        and audio is not None
        and audio_section is not None
        and audio_section.direction in ("recvonly", "sendrecv", None)
    ):
        choice = choose_audio(audio, audio_section.rtp.codecs)
        if choice is not None:
            audio_prefs = tuple(_capabilities("audio", (choice.mime_type,)))
    return OfferPlan(
        video=video_prefs,
        profile_level_id=str(video_prefs[0].parameters["profile-level-id"]),
        audio=choice,
        audio_codecs=audio_prefs,
    )


def _preferred_profile(video: CodecParams) -> str:
    """42001f for a Baseline camera, else 42e01f (aiortc negotiates only these two profiles).

    The camera's own profile (often High) is sent as is: browsers decode what their decoder
    supports whatever the SDP said, and level-asymmetry-allowed=1 lets the level differ.
    """
    try:
        sets = parse_extradata(VideoCodec.H264, video.extradata)
    except ValueError:
        return CONSTRAINED_BASELINE
    if sets.sps:
        with_flags = h264_profile_level_id(sets.sps[0])
        profile_idc, constraint_set1 = int(with_flags[:2], 16), int(with_flags[2:4], 16) & 0x40
        if profile_idc == 66 and not constraint_set1:
            return BASELINE
    return CONSTRAINED_BASELINE


def _h264_preferences(
    offered: Sequence[RTCRtpCodecParameters], preferred_profile: str
) -> tuple[RTCRtpCodecCapability, ...]:
    """One H.264 packetization-mode=1 format the offer accepts (the preferred profile first)."""
    local = [
        codec
        for codec in CODECS["video"]
        if codec.mimeType.lower() == "video/h264"
        and str(codec.parameters.get("packetization-mode")) == "1"
    ]
    local.sort(key=lambda c: c.parameters.get("profile-level-id") != preferred_profile)
    for codec in local:
        if any(is_codec_compatible(codec, remote) for remote in offered):
            return (
                _capability_of(codec),
                *_capabilities("video", ("video/rtx",)),
            )
    raise InvalidInputError(
        "the offer has no H.264 video with packetization-mode=1 and a Baseline or Constrained "
        "Baseline profile-level-id (42001f/42e01f); WHEP here sends the camera's H.264 as is"
    )


def choose_audio(
    audio: CodecParams, offered: Sequence[RTCRtpCodecParameters]
) -> AudioChoice | None:
    """The camera's format when offered (G.711, Opus), else Opus/PCMU/PCMA re-encoded; None when
    the offer takes none of them or the camera's codec cannot be decoded."""
    native = PASSTHROUGH.get(audio.codec)
    as_is = native == OPUS or (audio.sample_rate, audio.channels) == (8000, 1)
    if native is not None and as_is and _offers(offered, native):
        return AudioChoice(native, passthrough=True)
    if not decodable(audio.codec):
        return None
    for mime_type in _TRANSCODE_ORDER:
        if _offers(offered, mime_type):
            return AudioChoice(mime_type, passthrough=False)
    return None


def decodable(codec: str) -> bool:
    """True when FFmpeg (through PyAV) has a decoder for this codec name."""
    try:
        av.Codec(codec, "r")
    except (av.FFmpegError, ValueError):
        return False
    return True


def _offers(offered: Sequence[RTCRtpCodecParameters], mime_type: str) -> bool:
    local = next(c for c in CODECS["audio"] if c.mimeType == mime_type)
    return any(is_codec_compatible(local, remote) for remote in offered)


def _capability_of(codec: RTCRtpCodecParameters) -> RTCRtpCodecCapability:
    for capability in RTCRtpSender.getCapabilities("video").codecs:
        if capability.mimeType == codec.mimeType and capability.parameters == codec.parameters:
            return capability
    raise LookupError(f"aiortc has no capability for {codec}")  # aiortc's tables disagree


def _capabilities(kind: str, mime_types: Iterable[str]) -> list[RTCRtpCodecCapability]:
    wanted = [m.lower() for m in mime_types]
    found = [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType.lower() in wanted]
    return sorted(found, key=lambda c: wanted.index(c.mimeType.lower()))


def without_mdns_candidates(offer: str) -> str:
    """The offer without host candidates hidden behind mDNS names (`<uuid>.local`).

    Browsers hide their host addresses that way by default; aiortc waits up to a second for
    each name to resolve while it sets the remote description, and on servers and in containers
    they never resolve. Without them ICE still connects: the browser's connectivity checks reach
    VMS from its real address, which becomes a peer-reflexive candidate (RFC 8445 §7.3.1.3).
    """
    lines = offer.splitlines(keepends=True)
    return "".join(line for line in lines if not _is_mdns_candidate(line))


def _is_mdns_candidate(line: str) -> bool:
    if not line.startswith("a=candidate:"):
        return False
    fields = line.split()
    return len(fields) > 4 and fields[4].lower().endswith(".local")


def restrict_answer_candidates(answer: str, allowed: frozenset[str]) -> str:
    """The answer without host (and derived server-reflexive) candidates of other addresses."""
    if not allowed:
        return answer
    description = sdp.SessionDescription.parse(answer)
    for section in description.media:
        kept = [
            c
            for c in section.ice_candidates
            if candidate_allowed(c.type, c.ip, c.relatedAddress, allowed)
        ]
        section.ice_candidates = kept
        if kept:
            section.host, section.port = kept[0].ip, kept[0].port
        else:
            section.host, section.port = "0.0.0.0", 9
    return str(description)


def candidate_allowed(
    kind: str, address: str, related_address: str | None, allowed: frozenset[str]
) -> bool:
    """Relay candidates always; host ones on an allowed address; reflexive ones from one."""
    if kind == "relay":
        return True
    if kind == "host":
        return address in allowed
    return related_address in allowed


def ice_server_links(servers: Sequence[IceServer]) -> list[str]:
    """RFC 9725 section 4.6 `Link` header values announcing the configured STUN/TURN servers."""
    links: list[str] = []
    for server in servers:
        for url in server.urls:
            value = f'<{url}>; rel="ice-server"'
            if url.split(":", 1)[0].lower() in ("turn", "turns") and server.username:
                value += f'; username="{_quoted(server.username)}"'
                value += f'; credential="{_quoted(server.credential or "")}"'
                value += '; credential-type="password"'
            links.append(value)
    return links


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
