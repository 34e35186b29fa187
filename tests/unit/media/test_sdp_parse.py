"""Unit tests for reading DESCRIBE answers: the project's own SDP and camera-style ones."""

from __future__ import annotations

import base64

import pytest

from vms.media.h26x import ParameterSets, VideoCodec, to_annexb
from vms.media.packet import MediaKind
from vms.media.sdp import TrackDescription, build_sdp
from vms.media.sdp_parse import SdpMedia, parse_sdp

SPS = bytes.fromhex("6742c01eda0280bfe584")
PPS = bytes.fromhex("68ce3c80")
VPS_265 = b"\x40\x01\x0c\x01\xff\xff"
SPS_265 = b"\x42\x01\x01\x01\x60\x00"
PPS_265 = b"\x44\x01\xc0\xf7\xc0"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def sdp(*lines: str, newline: str = "\r\n") -> str:
    return newline.join(lines) + newline


def test_round_trip_h264_and_aac() -> None:
    video = TrackDescription.video("h264", to_annexb([SPS, PPS]), 1920, 1080)
    audio = TrackDescription.aac(bytes.fromhex("1210"))
    text = build_sdp((video, audio), "127.0.0.1", "cam1/main")
    media = parse_sdp(text, "rtsp://127.0.0.1:8554/cam1/main/")
    assert len(media) == 2
    v, a = media
    assert v.kind is MediaKind.VIDEO
    assert (v.codec, v.encoding, v.payload_type, v.clock_rate) == ("h264", "H264", 96, 90000)
    assert v.parameter_sets == video.parameter_sets
    assert v.parameter_sets == ParameterSets(VideoCodec.H264, (), (SPS,), (PPS,))
    assert (v.width, v.height, v.sample_rate, v.audio_config) == (1920, 1080, 0, b"")
    assert v.fmtp["packetization-mode"] == "1"
    assert v.fmtp["profile-level-id"] == "42c01e"
    assert v.control == "rtsp://127.0.0.1:8554/cam1/main/trackID=0"
    assert a.kind is MediaKind.AUDIO
    assert (a.codec, a.encoding, a.payload_type) == ("aac", "mpeg4-generic", 97)
    assert a.audio_config == bytes.fromhex("1210") == audio.audio_config
    assert (a.sample_rate, a.clock_rate, a.channels) == (44100, 44100, 2)
    assert a.parameter_sets is None
    assert a.fmtp["mode"] == "AAC-hbr"
    assert a.fmtp["sizelength"] == "13"
    assert a.control == "rtsp://127.0.0.1:8554/cam1/main/trackID=1"


def test_round_trip_h265_and_pcmu() -> None:
    video = TrackDescription.video("hevc", to_annexb([VPS_265, SPS_265, PPS_265]))
    text = build_sdp((video, TrackDescription.pcmu()), "::1", "x")
    v, a = parse_sdp(text, "rtsp://[::1]:8554/x")
    assert (v.codec, v.encoding) == ("hevc", "H265")
    assert v.parameter_sets == video.parameter_sets
    assert v.parameter_sets is not None
    assert v.parameter_sets.all_units() == (VPS_265, SPS_265, PPS_265)
    assert (v.width, v.height) == (0, 0)
    assert v.control == "rtsp://[::1]:8554/x/trackID=0"
    assert (a.codec, a.encoding, a.payload_type) == ("pcm_mulaw", "PCMU", 0)
    assert (a.clock_rate, a.sample_rate, a.channels) == (8000, 8000, 1)
    assert a.fmtp == {}
    assert a.control == "rtsp://[::1]:8554/x/trackID=1"


def test_round_trip_pcma() -> None:
    (a,) = parse_sdp(build_sdp((TrackDescription.pcma(),), "10.0.0.1", "x"), "rtsp://h/x/")
    assert (a.codec, a.payload_type, a.sample_rate) == ("pcm_alaw", 8, 8000)


GSTREAMER = sdp(
    "v=0",
    "o=- 1188340656180883 1 IN IP4 127.0.0.1",
    "s=Session streamed with GStreamer",
    "i=rtsp-server",
    "t=0 0",
    "a=tool:GStreamer",
    "a=type:broadcast",
    "a=control:*",
    "a=range:npt=now-",
    "m=video 0 RTP/AVP 96",
    "c=IN IP4 0.0.0.0",
    "b=AS:2097",
    "a=rtpmap:96 H264/90000",
    "a=framerate:30",
    f"a=fmtp:96 packetization-mode=1;sprop-parameter-sets={b64(SPS)},{b64(PPS)};"
    "profile-level-id=42c01e;level-asymmetry-allowed=1",
    "a=control:stream=0",
    "a=ts-refclk:local",
    "a=mediaclk:sender",
    "m=audio 0 RTP/AVP 97",
    "c=IN IP4 0.0.0.0",
    "a=rtpmap:97 MPEG4-GENERIC/48000/2",
    "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1190;"
    "sizelength=13;indexlength=3;indexdeltalength=3",
    "a=control:stream=1",
)


def test_gstreamer_rtsp_server() -> None:
    v, a = parse_sdp(GSTREAMER, "rtsp://127.0.0.1:8554/test/")
    assert v.codec == "h264"
    assert v.control == "rtsp://127.0.0.1:8554/test/stream=0"
    assert v.parameter_sets == ParameterSets(VideoCodec.H264, (), (SPS,), (PPS,))
    assert (v.width, v.height) == (0, 0)
    assert v.fmtp["level-asymmetry-allowed"] == "1"
    assert a.codec == "aac"
    assert a.control == "rtsp://127.0.0.1:8554/test/stream=1"
    assert a.audio_config == bytes.fromhex("1190")
    assert (a.sample_rate, a.channels) == (48000, 2)


def test_session_control_is_the_base_for_relative_media_controls() -> None:
    text = GSTREAMER.replace("a=control:*", "a=control:rtsp://10.1.1.1/live")
    v, a = parse_sdp(text, "rtsp://127.0.0.1:8554/test")
    assert v.control == "rtsp://10.1.1.1/live/stream=0"
    assert a.control == "rtsp://10.1.1.1/live/stream=1"


def test_relative_session_control_is_resolved_against_the_base() -> None:
    text = GSTREAMER.replace("a=control:*", "a=control:session")
    (v, _) = parse_sdp(text, "rtsp://h/test")
    assert v.control == "rtsp://h/test/session/stream=0"


def test_base_without_trailing_slash_gets_one() -> None:
    (v, _) = parse_sdp(GSTREAMER, "rtsp://127.0.0.1:8554/test")
    assert v.control == "rtsp://127.0.0.1:8554/test/stream=0"


HIKVISION = sdp(
    "v=0",
    "o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64",
    "s=Media Presentation",
    "e=NONE",
    "b=AS:5050",
    "t=0 0",
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast",
    "m=video 0 RTP/AVP 96",
    "c=IN IP4 0.0.0.0",
    "b=AS:5000",
    "a=recvonly",
    "a=x-dimensions:2560,1440",
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast",
    "a=rtpmap:96 H265/90000",
    f"a=fmtp:96 sprop-sps={b64(SPS_265)}; sprop-pps={b64(PPS_265)}; sprop-vps={b64(VPS_265)}",
    "a=Media_header:MEDIAINFO=494D4B48010300000400050000000000000000000000000000000000000000;",
    "a=appversion:1.0",
    "m=audio 0 RTP/AVP 8",
    "c=IN IP4 0.0.0.0",
    "b=AS:50",
    "a=recvonly",
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast",
    "a=rtpmap:8 PCMA/8000",
    "a=Media_header:MEDIAINFO=494D4B48010300000400050000000000000000000000000000000000000000;",
    "m=application 0 RTP/AVP 107",
    "c=IN IP4 0.0.0.0",
    "b=AS:50",
    "a=recvonly",
    "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=4?transportmode=unicast",
    "a=rtpmap:107 isapi.metadata/90000",
)


def test_hikvision_camera() -> None:
    media = parse_sdp(HIKVISION, "rtsp://192.168.1.64:554/Streaming/Channels/101/")
    assert [m.kind for m in media] == [MediaKind.VIDEO, MediaKind.AUDIO]
    v, a = media
    assert v.codec == "hevc"
    assert v.control == (
        "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast"
    )
    assert v.parameter_sets == ParameterSets(VideoCodec.H265, (VPS_265,), (SPS_265,), (PPS_265,))
    assert (v.width, v.height) == (2560, 1440)
    assert (a.codec, a.payload_type, a.clock_rate) == ("pcm_alaw", 8, 8000)
    assert a.control.endswith("/trackID=2?transportmode=unicast")


AXIS = sdp(
    "v=0",
    "o=- 12166476424843788233 1 IN IP4 192.168.0.90",
    "s=Session streamed with GStreamer",
    "i=rtsp-server",
    "t=0 0",
    "a=tool:GStreamer",
    "a=type:broadcast",
    "a=range:npt=now-",
    "a=control:rtsp://192.168.0.90/axis-media/media.amp?videocodec=h264",
    "m=video 0 RTP/AVP 96",
    "c=IN IP4 0.0.0.0",
    "b=AS:50000",
    "a=rtpmap:96 H264/90000",
    f"a=fmtp:96 packetization-mode=1; profile-level-id=42c01e; "
    f"sprop-parameter-sets={b64(SPS)},{b64(PPS)}",
    "a=ts-refclk:local",
    "a=mediaclk:sender",
    "a=recvonly",
    "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=0?videocodec=h264",
    "a=framerate:25.000000",
    "a=transform:1.000000,0.000000,0.000000;0.000000,1.000000,0.000000;0.000000,0.000000,1.000000",
    "m=application 0 RTP/AVP 98",
    "c=IN IP4 0.0.0.0",
    "a=rtpmap:98 vnd.onvif.metadata/90000",
    "a=x-dimensions:640,480",
    "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=1?videocodec=h264",
    "m=audio 0 RTP/AVP 97",
    "c=IN IP4 0.0.0.0",
    "a=rtpmap:97 MPEG4-GENERIC/16000/1",
    "a=fmtp:97 streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1408; "
    "sizeLength=13; indexLength=3; indexDeltaLength=3; profile=1; bitrate=32000;",
    "a=control:rtsp://192.168.0.90/axis-media/media.amp/stream=2?videocodec=h264",
)


def test_axis_camera_with_metadata_track_in_the_middle() -> None:
    v, a = parse_sdp(AXIS, "rtsp://192.168.0.90/axis-media/media.amp/")
    assert v.codec == "h264"
    assert v.control == "rtsp://192.168.0.90/axis-media/media.amp/stream=0?videocodec=h264"
    assert v.parameter_sets is not None
    assert v.parameter_sets.sps == (SPS,)
    # the metadata track's x-dimensions and control stay with it
    assert (v.width, v.height) == (0, 0)
    assert a.codec == "aac"
    assert a.control == "rtsp://192.168.0.90/axis-media/media.amp/stream=2?videocodec=h264"
    assert (a.sample_rate, a.channels) == (16000, 1)
    assert a.audio_config == bytes.fromhex("1408")
    assert a.fmtp["sizelength"] == "13"
    assert a.fmtp["indexdeltalength"] == "3"
    assert a.fmtp["bitrate"] == "32000"


def test_ffmpeg_style_unix_newlines_and_framesize() -> None:
    text = sdp(
        "v=0",
        "o=- 0 0 IN IP4 127.0.0.1",
        "s=No Name",
        "t=0 0",
        "a=tool:libavformat 61.7.100",
        "m=video 0 RTP/AVP 96",
        "b=AS:1000",
        "a=rtpmap:96 H264/90000",
        f"a=fmtp:96 packetization-mode=1;sprop-parameter-sets={b64(SPS)},{b64(PPS)}",
        "a=framesize:96 1280-720",
        "a=control:streamid=0",
        "m=audio 0 RTP/AVP 0",
        "a=control:streamid=1",
        newline="\n",
    )
    v, a = parse_sdp(text, "rtsp://localhost:8554/live.sdp")
    assert v.control == "rtsp://localhost:8554/live.sdp/streamid=0"
    assert (v.width, v.height) == (1280, 720)
    assert v.parameter_sets is not None
    assert (a.codec, a.encoding, a.clock_rate, a.channels) == ("pcm_mulaw", "PCMU", 8000, 1)
    assert a.control == "rtsp://localhost:8554/live.sdp/streamid=1"


def test_static_payload_types_without_rtpmap() -> None:
    text = sdp(
        "v=0",
        "s=-",
        "m=audio 0 RTP/AVP 0",
        "m=audio 0 RTP/AVP 8",
        "m=video 0 RTP/AVP 26",
    )
    mu, a, jpeg = parse_sdp(text, "rtsp://h/s")
    assert (mu.codec, mu.encoding, mu.payload_type, mu.clock_rate) == ("pcm_mulaw", "PCMU", 0, 8000)
    assert (a.codec, a.encoding, a.payload_type, a.sample_rate) == ("pcm_alaw", "PCMA", 8, 8000)
    assert (jpeg.codec, jpeg.encoding, jpeg.clock_rate) == ("", "JPEG", 90000)
    # no a=control anywhere: every track is set up at the base itself
    assert mu.control == a.control == jpeg.control == "rtsp://h/s"


@pytest.mark.parametrize(
    "params",
    [
        "packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets={sprop}",
        "packetization-mode=1; profile-level-id=42c01e; sprop-parameter-sets={sprop}",
        "packetization-mode = 1 ;profile-level-id= 42c01e ;  sprop-parameter-sets = {sprop} ;",
        "Packetization-Mode=1;PROFILE-LEVEL-ID=42c01e;Sprop-Parameter-Sets={sprop};",
    ],
)
def test_fmtp_spacing_styles(params: str) -> None:
    sprop = f"{b64(SPS)},{b64(PPS)}"
    text = sdp(
        "v=0",
        "m=video 0 RTP/AVP 96",
        "a=rtpmap:96 h264/90000",
        "a=fmtp:96 " + params.format(sprop=sprop),
    )
    (v,) = parse_sdp(text, "rtsp://h/")
    assert v.codec == "h264"
    assert v.encoding == "h264"
    assert dict(v.fmtp) == {
        "packetization-mode": "1",
        "profile-level-id": "42c01e",
        "sprop-parameter-sets": sprop,
    }
    assert v.parameter_sets == ParameterSets(VideoCodec.H264, (), (SPS,), (PPS,))


def test_base64_padding_is_kept_in_fmtp_values() -> None:
    pps = b"\x68\xce\x3c\x80\x00"  # encodes with one "=" of padding
    assert b64(pps).endswith("=")
    text = sdp(
        "v=0",
        "m=video 0 RTP/AVP 96",
        "a=rtpmap:96 H264/90000",
        f"a=fmtp:96 sprop-parameter-sets={b64(SPS)},{b64(pps)}",
    )
    (v,) = parse_sdp(text, "rtsp://h/")
    assert v.fmtp["sprop-parameter-sets"] == f"{b64(SPS)},{b64(pps)}"
    assert v.parameter_sets is not None
    assert v.parameter_sets.pps == (pps,)


def test_missing_base64_padding_is_tolerated() -> None:
    pps = b"\x68\xce\x3c\x80\x00"
    text = sdp(
        "v=0",
        "m=video 0 RTP/AVP 96",
        "a=rtpmap:96 H264/90000",
        f"a=fmtp:96 sprop-parameter-sets={b64(SPS)},{b64(pps).rstrip('=')},",
    )
    (v,) = parse_sdp(text, "rtsp://h/")
    assert v.parameter_sets == ParameterSets(VideoCodec.H264, (), (SPS,), (pps,))


@pytest.mark.parametrize(
    "sprop",
    [f"{'!' * 8},{b64(PPS)}", f"{b64(SPS)},@@@@", "A", "", ",", b64(b"\x06\x05\x01")],
)
def test_bad_sprop_gives_no_parameter_sets(sprop: str) -> None:
    text = sdp(
        "v=0",
        "m=video 0 RTP/AVP 96",
        "a=rtpmap:96 H264/90000",
        f"a=fmtp:96 packetization-mode=1; sprop-parameter-sets={sprop}",
    )
    (v,) = parse_sdp(text, "rtsp://h/")
    assert v.codec == "h264"
    assert v.parameter_sets is None


def test_bad_h265_sprop_gives_no_parameter_sets() -> None:
    text = sdp(
        "v=0",
        "m=video 0 RTP/AVP 96",
        "a=rtpmap:96 H265/90000",
        f"a=fmtp:96 sprop-vps={b64(VPS_265)}; sprop-sps=%%%; sprop-pps={b64(PPS_265)}",
    )
    (v,) = parse_sdp(text, "rtsp://h/")
    assert v.codec == "hevc"
    assert v.parameter_sets is None


def test_no_fmtp_gives_no_parameter_sets() -> None:
    text = sdp("v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000")
    (v,) = parse_sdp(text, "rtsp://h/")
    assert v.parameter_sets is None
    assert v.fmtp == {}


@pytest.mark.parametrize(
    ("media", "rtpmap"),
    [
        ("video", "JPEG/90000"),
        ("video", "MP4V-ES/90000"),
        ("audio", "MP4A-LATM/44100/2"),
        ("audio", "G726-32/8000"),
        ("video", "MPEG4-GENERIC/90000"),
        ("audio", "H264/90000"),
    ],
)
def test_unsupported_encodings_have_no_codec(media: str, rtpmap: str) -> None:
    text = sdp("v=0", f"m={media} 0 RTP/AVP 100", f"a=rtpmap:100 {rtpmap}", "a=fmtp:100 x=1")
    (m,) = parse_sdp(text, "rtsp://h/")
    assert m.codec == ""
    assert m.encoding == rtpmap.split("/", maxsplit=1)[0]
    assert m.parameter_sets is None
    assert m.audio_config == b""


def test_mpeg4_generic_in_a_non_aac_mode_has_no_codec() -> None:
    text = sdp(
        "v=0",
        "m=audio 0 RTP/AVP 97",
        "a=rtpmap:97 mpeg4-generic/8000/1",
        "a=fmtp:97 streamtype=5; mode=CELP-cbr; config=440E00; constantsize=12",
    )
    (a,) = parse_sdp(text, "rtsp://h/")
    assert a.codec == ""


def test_aac_with_bad_config_keeps_the_clock_rate() -> None:
    text = sdp(
        "v=0",
        "m=audio 0 RTP/AVP 97",
        "a=rtpmap:97 MPEG4-GENERIC/32000/2",
        "a=fmtp:97 mode=AAC-hbr; config=zz",
    )
    (a,) = parse_sdp(text, "rtsp://h/")
    assert (a.codec, a.audio_config, a.sample_rate, a.channels) == ("aac", b"", 32000, 2)


def test_first_playable_format_of_several_is_chosen() -> None:
    text = sdp(
        "v=0",
        "m=video 0 RTP/AVP 26 98 96",
        "a=rtpmap:98 H265/90000",
        "a=rtpmap:96 H264/90000",
        "a=framesize:96 640-360",
        "a=framesize:98 1920-1080",
    )
    (v,) = parse_sdp(text, "rtsp://h/")
    assert (v.codec, v.payload_type, v.width, v.height) == ("hevc", 98, 1920, 1080)


def test_malformed_lines_are_skipped() -> None:
    text = sdp(
        "v=0",
        "garbage without equals",
        "=",
        "",
        "m=video",
        "a=control:belongs-to-no-section",
        "m=video 0 RTP/AVP notanumber",
        "m=audio 0 RTP/AVP 300",
        "m=video 0 RTP/AVP 96",
        "a=rtpmap:x H264/90000",
        "a=rtpmap:96 H264/ninety",
        "a=rtpmap:96",
        "a=fmtp:nan a=b",
        "a=framesize:96 big",
        "a=x-dimensions:wide,tall",
        "a=x-dimensions:0,0",
        "a=control:trackID=1",
        "m=audio 0 RTP/AVP 0",
        "a=rtpmap:0 PCMU/8000/0",
    )
    v, a = parse_sdp(text, "rtsp://h/s/")
    assert (v.codec, v.encoding, v.clock_rate) == ("", "", 0)
    assert (v.width, v.height) == (0, 0)
    assert v.control == "rtsp://h/s/trackID=1"
    # the bad rtpmap is dropped, so the static table describes payload type 0
    assert (a.codec, a.clock_rate, a.channels) == ("pcm_mulaw", 8000, 1)


def test_attribute_names_are_case_sensitive() -> None:
    text = sdp("v=0", "m=video 0 RTP/AVP 96", "a=RTPMAP:96 H264/90000", "a=Control:x")
    (v,) = parse_sdp(text, "rtsp://h/s")
    assert v.codec == ""
    assert v.control == "rtsp://h/s"


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        ("*", "rtsp://cam:554/live/"),
        ("trackID=0", "rtsp://cam:554/live/trackID=0"),
        ("RTSP://other/t0", "RTSP://other/t0"),
        ("rtsps://cam/secure/t0", "rtsps://cam/secure/t0"),
        ("/media/video1", "rtsp://cam:554/media/video1"),
    ],
)
def test_control_resolution(control: str, expected: str) -> None:
    text = sdp("v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", f"a=control:{control}")
    (v,) = parse_sdp(text, "rtsp://cam:554/live/")
    assert v.control == expected


def test_dahua_style_query_base_is_appended_to() -> None:
    text = sdp("v=0", "a=control:*", "m=video 0 RTP/AVP 96", "a=control:trackID=0")
    (v,) = parse_sdp(text, "rtsp://cam:554/cam/realmonitor?channel=1&subtype=0/")
    assert v.control == "rtsp://cam:554/cam/realmonitor?channel=1&subtype=0/trackID=0"


def test_no_media_sections() -> None:
    assert parse_sdp("v=0\r\ns=-\r\n", "rtsp://h/") == ()
    assert parse_sdp("", "rtsp://h/") == ()


def test_fmtp_mapping_is_read_only() -> None:
    (v,) = parse_sdp(GSTREAMER, "rtsp://h/")[:1]
    assert isinstance(v, SdpMedia)
    with pytest.raises(TypeError):
        v.fmtp["x"] = "y"  # type: ignore[index]
