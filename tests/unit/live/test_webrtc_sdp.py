"""WHEP offer checks and codec choice, answer candidate filtering and ICE Link headers."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from aiortc import RTCPeerConnection, sdp
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from tests.unit.live.test_webrtc_media import PPS, SPS, annexb
from vms.config.live import IceServer
from vms.core.errors import ConflictError, InvalidInputError
from vms.live.webrtc_sdp import (
    BASELINE,
    CONSTRAINED_BASELINE,
    OPUS,
    PCMA,
    PCMU,
    AudioChoice,
    MalformedOfferError,
    check_camera_video,
    choose_audio,
    ice_server_links,
    parse_offer,
    plan_offer,
    restrict_answer_candidates,
    without_mdns_candidates,
)
from vms.media.packet import CodecParams, MediaKind

VIDEO = CodecParams(MediaKind.VIDEO, "h264", Fraction(1, 90_000), annexb(SPS, PPS))
AAC = CodecParams(MediaKind.AUDIO, "aac", Fraction(1, 16_000), sample_rate=16_000, channels=1)
MULAW = CodecParams(MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 8000), sample_rate=8000, channels=1)


async def browser_like_offer(*kinds: str) -> str:
    """A real recvonly offer from aiortc (VP8, H.264 42001f/42e01f; Opus, G.722, PCMU, PCMA)."""
    pc = RTCPeerConnection()
    for kind in kinds or ("video", "audio"):
        pc.addTransceiver(kind, direction="recvonly")
    offer = await pc.createOffer()
    await pc.close()
    return offer.sdp


def keep_codecs(offer: str, kind: str, names: set[str]) -> str:
    """The offer with only the named codecs (and their RTX) in its `kind` section."""
    description = sdp.SessionDescription.parse(offer)
    for media in description.media:
        if media.kind == kind:
            kept = [c for c in media.rtp.codecs if c.name in names]
            kept_pts = {c.payloadType for c in kept}
            kept += [
                c
                for c in media.rtp.codecs
                if c.name == "rtx" and c.parameters.get("apt") in kept_pts
            ]
            media.rtp.codecs = kept
            media.fmt = [c.payloadType for c in kept]
    return str(description)


async def test_a_browser_offer_gets_constrained_baseline_h264() -> None:
    plan = plan_offer(
        parse_offer((await browser_like_offer()).encode()), VIDEO, AAC, want_audio=True
    )
    assert plan.profile_level_id == CONSTRAINED_BASELINE
    assert [c.mimeType for c in plan.video] == ["video/H264", "video/rtx"]
    assert plan.video[0].parameters["packetization-mode"] == "1"
    assert plan.audio == AudioChoice(OPUS, passthrough=False)  # AAC is re-encoded


async def test_a_baseline_camera_gets_42001f_when_offered() -> None:
    baseline_sps = b"\x67\x42\x00\x1f" + SPS[4:]
    camera = CodecParams(MediaKind.VIDEO, "h264", Fraction(1, 90_000), annexb(baseline_sps, PPS))
    plan = plan_offer(
        parse_offer((await browser_like_offer()).encode()), camera, None, want_audio=False
    )
    assert plan.profile_level_id == BASELINE


async def test_audio_only_when_asked_for() -> None:
    offer = parse_offer((await browser_like_offer()).encode())
    plan = plan_offer(offer, VIDEO, AAC, want_audio=False)
    assert (plan.audio, plan.audio_codecs) == (None, ())


async def test_an_offer_without_audio_section_gets_video_only() -> None:
    offer = parse_offer((await browser_like_offer("video")).encode())
    assert plan_offer(offer, VIDEO, MULAW, want_audio=True).audio is None


@pytest.mark.parametrize(
    ("camera", "offered", "expected"),
    [
        (MULAW, {"opus", "PCMU", "PCMA"}, AudioChoice(PCMU, passthrough=True)),
        (MULAW, {"opus"}, AudioChoice(OPUS, passthrough=False)),
        (AAC, {"PCMA"}, AudioChoice(PCMA, passthrough=False)),
        (AAC, {"G722"}, None),
    ],
)
async def test_audio_codec_choice(
    camera: CodecParams, offered: set[str], expected: AudioChoice | None
) -> None:
    offer = sdp.SessionDescription.parse(keep_codecs(await browser_like_offer(), "audio", offered))
    audio = next(m for m in offer.media if m.kind == "audio")
    assert choose_audio(camera, audio.rtp.codecs) == expected


def test_opus_camera_audio_passes_through() -> None:
    opus = CodecParams(MediaKind.AUDIO, "opus", Fraction(1, 48_000), sample_rate=48_000, channels=2)
    codecs = [RTCRtpCodecParameters("audio/opus", 48_000, 2, payloadType=111)]
    assert choose_audio(opus, codecs) == AudioChoice(OPUS, passthrough=True)


def test_undecodable_audio_is_not_offered() -> None:
    odd = CodecParams(MediaKind.AUDIO, "no-such-codec", Fraction(1, 8000), sample_rate=8000)
    codecs = [RTCRtpCodecParameters("audio/opus", 48_000, 2, payloadType=111)]
    assert choose_audio(odd, codecs) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"hello", "must start with v=0"),
        (b"", "must start with v=0"),
        (b"v=0\r\nm=video abc\r\n", "cannot be parsed"),
        (b"v=0\r\n" + b"a=x\r\n" * 20_000, "larger than"),
    ],
)
def test_malformed_offers(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedOfferError, match=reason):
        parse_offer(body)


async def test_unusable_offers_say_why() -> None:
    offer = await browser_like_offer()
    cases = {
        "no H.264 video": keep_codecs(offer, "video", {"VP8"}),
        "no video section": await browser_like_offer("audio"),
        "it must be recvonly": offer.replace("a=recvonly", "a=sendonly", 1),
        "no ICE ufrag/pwd": "\r\n".join(
            line for line in offer.split("\r\n") if not line.startswith("a=ice-pwd")
        ),
        "no DTLS fingerprint": "\r\n".join(
            line for line in offer.split("\r\n") if not line.startswith("a=fingerprint")
        ),
        "no media section": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
    }
    for reason, text in cases.items():
        with pytest.raises(InvalidInputError, match=reason):
            plan_offer(parse_offer(text.encode()), VIDEO, AAC, want_audio=True)


def test_h265_camera_is_a_clear_conflict() -> None:
    hevc = CodecParams(MediaKind.VIDEO, "hevc", Fraction(1, 90_000))
    with pytest.raises(ConflictError, match=r"needs H.264; this camera sends H.265") as caught:
        check_camera_video(hevc, "/api/v1/cameras/gate")
    assert "/api/v1/cameras/gate/live.m3u8" in str(caught.value)
    with pytest.raises(ConflictError, match="needs a video track"):
        check_camera_video(None, "/api/v1/cameras/gate")
    check_camera_video(VIDEO, "/api/v1/cameras/gate")


def test_h264_with_b_frames_is_a_conflict_naming_mse_and_llhls() -> None:
    bframes = replace(VIDEO, reorder_depth=2)
    with pytest.raises(ConflictError, match="B-frames") as caught:
        check_camera_video(bframes, "/api/v1/cameras/gate")
    assert "/api/v1/cameras/gate/live.mp4" in str(caught.value)
    assert "/api/v1/cameras/gate/live.m3u8" in str(caught.value)


ANSWER = "\r\n".join(
    [
        "v=0",
        "o=- 1 1 IN IP4 0.0.0.0",
        "s=-",
        "t=0 0",
        "m=video 5000 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 10.0.0.1",
        "a=mid:0",
        "a=rtpmap:96 H264/90000",
        "a=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host",
        "a=candidate:2 1 udp 2130706431 192.168.1.5 5002 typ host",
        "a=candidate:3 1 udp 1694498815 203.0.113.7 6000 typ srflx raddr 192.168.1.5 rport 5002",
        "a=candidate:4 1 udp 1694498815 203.0.113.7 6001 typ srflx raddr 10.0.0.1 rport 5000",
        "a=candidate:5 1 udp 16777215 198.51.100.9 7000 typ relay raddr 10.0.0.1 rport 5000",
        "a=end-of-candidates",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuv",
        "",
    ]
)


def test_answer_keeps_only_candidates_of_allowed_interfaces() -> None:
    answer = restrict_answer_candidates(ANSWER, frozenset({"192.168.1.5"}))
    candidates = [line for line in answer.split("\r\n") if line.startswith("a=candidate")]
    assert [c.split()[4] for c in candidates] == ["192.168.1.5", "203.0.113.7", "198.51.100.9"]
    assert "c=IN IP4 192.168.1.5" in answer
    assert "m=video 5002 " in answer
    assert restrict_answer_candidates(ANSWER, frozenset()) == ANSWER


def test_answer_without_any_allowed_candidate_uses_the_discard_address() -> None:
    answer = restrict_answer_candidates(ANSWER.replace("typ relay", "typ host"), frozenset({"x"}))
    assert "a=candidate" not in answer
    assert "c=IN IP4 0.0.0.0" in answer


def test_ice_servers_are_announced_as_link_headers() -> None:
    servers = [
        IceServer(urls=["stun:stun.example.net:3478"]),
        IceServer(urls=["turn:turn.example.net?transport=udp"], username="u", credential='p"w'),
    ]
    assert ice_server_links(servers) == [
        '<stun:stun.example.net:3478>; rel="ice-server"',
        '<turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; '
        'credential="p\\"w"; credential-type="password"',
    ]


def test_mdns_host_candidates_are_dropped_from_an_offer() -> None:
    offer = (
        "v=0\r\n"
        "a=candidate:1 1 udp 2122260223 0c7b5b8a-1f5e-4c1d.local 54321 typ host\r\n"
        "a=candidate:2 1 udp 2122260223 192.168.1.20 54322 typ host\r\n"
        "a=candidate:3 1 udp 1686052607 203.0.113.9 54323 typ srflx raddr 0.0.0.0 rport 0\r\n"
        "a=end-of-candidates\r\n"
    )
    kept = without_mdns_candidates(offer)
    assert ".local" not in kept
    assert "192.168.1.20 54322" in kept and "203.0.113.9 54323" in kept
    assert kept.endswith("a=end-of-candidates\r\n")
    assert without_mdns_candidates(kept) == kept
