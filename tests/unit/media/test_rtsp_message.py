"""Unit tests for RTSP request parsing: well-formed, split, interleaved and malformed input."""

from __future__ import annotations

import pytest

from vms.media.rtsp.message import (
    InterleavedFrame,
    RtspParseError,
    RtspReader,
    RtspRequest,
    RtspResponse,
    TransportSpec,
    parse_transport,
)

DESCRIBE = (
    b"DESCRIBE rtsp://h:8554/cam1/main RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n"
)


def test_request_is_parsed_whole_and_byte_by_byte() -> None:
    reader = RtspReader()
    (request,) = reader.feed(DESCRIBE)
    assert isinstance(request, RtspRequest)
    assert (request.method, request.cseq, request.path) == ("DESCRIBE", "2", "/cam1/main")
    assert request.header("ACCEPT") == "application/sdp"
    reader = RtspReader()
    out: list[RtspRequest | InterleavedFrame] = []
    for byte in DESCRIBE:
        out += reader.feed(bytes([byte]))
    assert out == [request]


def test_body_interleaved_frames_and_pipelined_requests() -> None:
    body = b"param: 1\r\n"
    data = (
        b"$\x01\x00\x03abc"
        + b"SET_PARAMETER rtsp://h/x RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 10\r\n\r\n"
        + body
        + b"\r\n"
        + DESCRIBE
    )
    messages = RtspReader().feed(data)
    assert messages[0] == InterleavedFrame(1, b"abc")
    assert isinstance(messages[1], RtspRequest) and messages[1].body == body
    assert isinstance(messages[2], RtspRequest) and messages[2].method == "DESCRIBE"


def test_partial_frame_waits_for_more() -> None:
    reader = RtspReader()
    assert reader.feed(b"$\x00\x00\x05ab") == []
    assert reader.feed(b"cde") == [InterleavedFrame(0, b"abcde")]


@pytest.mark.parametrize(
    "data",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS client hello
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"DESCRIBE rtsp://h/x RTSP/1.0\r\n\r\n",  # no CSeq
        b"DESCRIBE rtsp://h/x RTSP/1.0\r\nCSeq: abc\r\n\r\n",
        b"DESCRIBE rtsp://h/x\r\nCSeq: 1\r\n\r\n",
        b"DESCRIBE rtsp://h/x RTSP/1.0\r\nCSeq: 1\r\nno colon here\r\n\r\n",
        b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n",
        b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n",
        b"OPTIONS \xff\xfe RTSP/1.0\r\nCSeq: 1\r\n\r\n",
        b"A" * 20_000,
    ],
)
def test_malformed_input_raises_parse_error(data: bytes) -> None:
    with pytest.raises(RtspParseError):
        RtspReader().feed(data)


def test_parse_error_keeps_cseq_when_known() -> None:
    with pytest.raises(RtspParseError) as caught:
        RtspReader().feed(b"OPTIONS * RTSP/1.0\r\nCSeq: 7\r\nContent-Length: x\r\n\r\n")
    assert caught.value.cseq == "7"


def test_response_encoding() -> None:
    data = RtspResponse(200, (("Public", "OPTIONS"),), b"v=0\r\n").encode("5")
    assert data.startswith(b"RTSP/1.0 200 OK\r\nCSeq: 5\r\n")
    assert b"Content-Length: 5\r\n\r\nv=0\r\n" in data
    assert RtspResponse(454).encode(None).startswith(b"RTSP/1.0 454 Session Not Found\r\n")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("RTP/AVP/TCP;unicast;interleaved=2-3", TransportSpec(tcp=True, interleaved=(2, 3))),
        ("RTP/AVP/TCP;unicast", TransportSpec(tcp=True)),
        (
            "RTP/AVP;unicast;client_port=5000-5001",
            TransportSpec(tcp=False, client_port=(5000, 5001)),
        ),
        (
            "RTP/AVP/UDP;unicast;client_port=6000",
            TransportSpec(tcp=False, client_port=(6000, 6001)),
        ),
        (
            "RTP/AVP;multicast, RTP/AVP/TCP;interleaved=0-1",
            TransportSpec(tcp=True, interleaved=(0, 1)),
        ),
        ("RTP/AVP;multicast;ttl=4", None),
        ("RTP/AVP;unicast", None),
        ("RTP/AVP;unicast;client_port=x-y", None),
        ("RTP/AVP;unicast;client_port=70000-70001", None),
        ("", None),
    ],
)
def test_parse_transport(header: str, expected: TransportSpec | None) -> None:
    assert parse_transport(header) == expected
