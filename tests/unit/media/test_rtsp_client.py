"""The hand-written RTSP client against the project's server and against scripted raw sockets.

The client replaces FFmpeg's RTSP demuxer for ingest (that one hands out an access unit only when
the next one starts, a frame late, and costs ~3 ms of CPU per camera-second), so these tests pin
what cameras throw at it: both authentication schemes, answers mixed into the media, garbage,
hang-ups and silence. The raw "camera" is a listening socket driven from the test's own thread:
the client does not check CSeq, so a scripted answer can be written before the request it
answers, and each test stays single-threaded and deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

import vms.media.rtsp.client as client_module
from vms.core.camera_url import CameraUrl
from vms.media.h26x import to_annexb
from vms.media.rtp_depay import depacketizer_for
from vms.media.rtp_depay.base import AccessUnit
from vms.media.rtsp import AuthScheme, RtspAuth
from vms.media.rtsp.auth import digest_response
from vms.media.rtsp.client import (
    RtspClient,
    RtspConnectionClosedError,
    RtspProtocolError,
    RtspStatusError,
)
from vms.media.rtsp.server import RtspServer
from vms.media.sdp import TrackDescription
from vms.media.sdp_parse import SdpMedia, parse_sdp

SPS = bytes.fromhex("6742c01eda0280bfe584")
PPS = bytes.fromhex("68ce3c80")
IDR_NAL = bytes([0x65, 0x88]) + bytes(range(256)) * 12  # > MTU: travels as FU-A fragments
P_NAL = bytes([0x41, 0x9A]) + bytes(range(1, 201)) * 2  # no start-code look-alikes
AAC_CONFIG = bytes([0x14, 0x08])  # AAC LC, 16 kHz, mono
PASSWORD = "s3cr:t@pw"  # needs percent-encoding in the URL's user info
PASSWORD_IN_URL = "s3cr%3At%40pw"


# --- against the project's RTSP server ---------------------------------------------------


async def _serve(auth: RtspAuth | None = None) -> RtspServer:
    server = RtspServer("127.0.0.1", 0, auth)
    server.mount(
        "/cam1/main",
        [TrackDescription.video("h264", to_annexb([SPS, PPS])), TrackDescription.aac(AAC_CONFIG)],
    )
    await server.start()
    return server


def _open(url: str) -> tuple[RtspClient, tuple[SdpMedia, ...]]:
    """DESCRIBE, SETUP every track (channels 2i, 2i+1) and PLAY, as the ingest does."""
    client = RtspClient(CameraUrl.parse(url), timeout_s=5)
    try:
        client.connect()
        sdp, base = client.describe()
        medias = parse_sdp(sdp, base)
        for index, media in enumerate(medias):
            client.setup(media.control, 2 * index)
        client.play()
    except BaseException:
        client.close()
        raise
    return client, medias


def _collect(
    client: RtspClient, medias: tuple[SdpMedia, ...], video_units: int, audio_units: int
) -> tuple[list[AccessUnit], list[AccessUnit], set[int]]:
    """Read until the wanted access units are complete; also the channels frames came on."""
    depays = [depacketizer_for(media.codec, media.fmtp) for media in medias]
    units: list[list[AccessUnit]] = [[] for _ in medias]
    channels: set[int] = set()
    deadline = time.monotonic() + 5
    while len(units[0]) < video_units or len(units[1]) < audio_units:
        assert time.monotonic() < deadline, f"got {[len(u) for u in units]} access units"
        for channel, data in client.read():
            channels.add(channel)
            if channel & 1:
                continue  # RTCP
            seq, timestamp = struct.unpack("!HI", data[2:8])
            marker = bool(data[1] & 0x80)
            units[channel // 2] += depays[channel // 2].push(data[12:], timestamp, marker, seq)
    return units[0], units[1], channels


async def test_plays_a_mount_end_to_end() -> None:
    server = await _serve()
    try:
        mount = server.mounts()["/cam1/main"]
        client, medias = await asyncio.to_thread(_open, server.url("/cam1/main"))
        assert [media.codec for media in medias] == ["h264", "aac"]
        audio = [bytes([index]) * (50 + index) for index in range(3)]
        video = [to_annexb([IDR_NAL]), to_annexb([P_NAL]), to_annexb([P_NAL[:2] + P_NAL[:1:-1]])]
        for index, data in enumerate(video):
            mount.push(0, data, rtp_time=index * 3600, keyframe=index == 0, wall_ms=0)
            mount.push(1, audio[index], rtp_time=index * 1024, keyframe=False, wall_ms=0)
        got_video, got_audio, channels = await asyncio.to_thread(_collect, client, medias, 3, 3)
        client.close()
    finally:
        await server.stop()
    assert {0, 2} <= channels <= {0, 1, 2, 3}
    # The server sends the parameter sets in-band before a keyframe that lacks them.
    assert [unit.data for unit in got_video] == [to_annexb([SPS, PPS, IDR_NAL]), *video[1:]]
    assert [unit.keyframe for unit in got_video] == [True, False, False]
    assert [unit.timestamp - got_video[0].timestamp for unit in got_video] == [0, 3600, 7200]
    assert [unit.data for unit in got_audio] == audio
    assert [unit.timestamp - got_audio[0].timestamp for unit in got_audio] == [0, 1024, 2048]


@pytest.mark.parametrize("scheme", [AuthScheme.DIGEST, AuthScheme.BASIC])
async def test_authenticates_with_the_scheme_the_server_offers(scheme: AuthScheme) -> None:
    server = await _serve(RtspAuth("admin", PASSWORD, schemes=(scheme,)))
    url = f"rtsp://admin:{PASSWORD_IN_URL}@127.0.0.1:{server.port}/cam1/main"
    try:
        client, medias = await asyncio.to_thread(_open, url)
        assert len(medias) == 2
        assert client.url == f"rtsp://127.0.0.1:{server.port}/cam1/main"  # no user info
        client.close()
    finally:
        await server.stop()


async def test_wrong_password_is_401_without_the_password_in_the_error() -> None:
    server = await _serve(RtspAuth("admin", "right-one"))
    url = f"rtsp://admin:{PASSWORD_IN_URL}@127.0.0.1:{server.port}/cam1/main"
    try:
        with pytest.raises(RtspStatusError) as caught:
            await asyncio.to_thread(_open, url)
    finally:
        await server.stop()
    assert caught.value.status == 401
    assert caught.value.method == "DESCRIBE"
    for text in (str(caught.value), repr(caught.value)):
        assert PASSWORD not in text and PASSWORD_IN_URL not in text


async def test_unknown_path_is_404() -> None:
    server = await _serve()
    try:
        with pytest.raises(RtspStatusError) as caught:
            await asyncio.to_thread(_open, server.url("/cam9/main"))
    finally:
        await server.stop()
    assert caught.value.status == 404


# --- against a scripted raw camera ---------------------------------------------------------

SDP = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n"
)


class RawCamera:
    """The server side of one accepted connection, written and read by the test itself."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.received = b""

    def answer(self, status: str = "200 OK", headers: str = "", body: bytes = b"") -> None:
        self.conn.sendall(answer_bytes(status, headers, body))

    def frame(self, channel: int, payload: bytes) -> None:
        self.conn.sendall(frame_bytes(channel, payload))

    def requests(self) -> list[str]:
        """Every request the client sent so far (the heads, as text)."""
        self.conn.settimeout(0.05)
        try:
            while chunk := self.conn.recv(65536):
                self.received += chunk
        except TimeoutError:
            pass
        heads = self.received.decode("latin-1").split("\r\n\r\n")
        return [head for head in heads if head]


def answer_bytes(status: str = "200 OK", headers: str = "", body: bytes = b"") -> bytes:
    head = f"RTSP/1.0 {status}\r\nCSeq: 1\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def frame_bytes(channel: int, payload: bytes) -> bytes:
    return struct.pack("!BBH", 0x24, channel, len(payload)) + payload


@pytest.fixture
def camera_port() -> Iterator[tuple[socket.socket, int]]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener, listener.getsockname()[1]


def _connect(
    camera_port: tuple[socket.socket, int], timeout_s: float = 5.0, user_info: str = ""
) -> tuple[RtspClient, RawCamera]:
    listener, port = camera_port
    url = CameraUrl.parse(f"rtsp://{user_info}127.0.0.1:{port}/cam")
    client = RtspClient(url, timeout_s=timeout_s)
    client.connect()
    return client, RawCamera(listener.accept()[0])


def _playing(
    camera_port: tuple[socket.socket, int], session: str = "x;timeout=60"
) -> tuple[RtspClient, RawCamera]:
    client, camera = _connect(camera_port)
    camera.answer(headers="Content-Base: rtsp://127.0.0.1/cam/\r\n", body=SDP.encode())
    camera.answer(headers=f"Session: {session}\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n")
    camera.answer()
    client.describe()
    client.setup("rtsp://127.0.0.1/cam/trackID=0", 0)
    client.play()
    return client, camera


def _read_frames(client: RtspClient, count: int) -> list[tuple[int, bytes]]:
    frames: list[tuple[int, bytes]] = []
    while len(frames) < count:
        frames += client.read()
    return frames


def test_requests_carry_cseq_session_and_no_credentials(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _playing(camera_port)
    client.close()
    describe, setup, play, teardown = camera.requests()
    assert describe.startswith("DESCRIBE rtsp://127.0.0.1:")
    assert "CSeq: 1\r\n" in describe and "Accept: application/sdp" in describe
    assert setup.startswith("SETUP rtsp://127.0.0.1/cam/trackID=0 RTSP/1.0\r\nCSeq: 2\r\n")
    assert "Transport: RTP/AVP/TCP;unicast;interleaved=0-1" in setup
    assert "Session: x" in play.split("\r\n") and play.startswith("PLAY ")
    assert teardown.startswith("TEARDOWN ") and "Session: x" in teardown.split("\r\n")


def test_digest_challenge_is_answered_and_the_password_never_travels(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _connect(camera_port, user_info=f"admin:{PASSWORD_IN_URL}@")
    challenge = 'Digest realm="cam", nonce="abc123", qop="auth", opaque="op"'
    camera.answer(
        "401 Unauthorized",
        f"WWW-Authenticate: Basic realm=cam\r\nWWW-Authenticate: {challenge}\r\n",
    )
    camera.answer(body=SDP.encode())
    sdp, base = client.describe()
    assert sdp == SDP and base == client.url
    client.close()
    first, second = camera.requests()
    assert "Authorization" not in first
    fields = dict(
        part.strip().split("=", 1)
        for part in second.split("Authorization: Digest ")[1].split("\r\n")[0].split(",")
    )
    expected = digest_response(
        "admin",
        "cam",
        PASSWORD,
        method="DESCRIBE",
        uri=client.url,
        nonce="abc123",
        qop="auth",
        nc=fields["nc"],
        cnonce=fields["cnonce"].strip('"'),
    )
    assert fields["response"] == f'"{expected}"'
    assert fields["opaque"] == '"op"' and fields["nc"] == "00000001"
    assert PASSWORD.encode() not in camera.received
    assert PASSWORD_IN_URL.encode() not in camera.received


def test_garbage_instead_of_an_answer_is_a_protocol_error(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _connect(camera_port)
    camera.conn.sendall(b"\x00\xffHTTP/1.1 200 OK\r\n\r\n")
    with pytest.raises(RtspProtocolError):
        client.describe()
    client.close()


def test_garbage_between_frames_is_skipped(camera_port: tuple[socket.socket, int]) -> None:
    client, camera = _playing(camera_port)
    camera.frame(0, b"one")
    camera.conn.sendall(b"\x00\x01junk that is neither RTP nor RTSP\r\n")
    camera.frame(0, b"two")
    assert _read_frames(client, 2) == [(0, b"one"), (0, b"two")]
    client.close()


def test_answers_between_frames_are_skipped_even_when_split(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _playing(camera_port)
    stream = (
        frame_bytes(0, b"first")
        + answer_bytes(headers="Session: x\r\n", body=b"$\x00\x00\x05fake!")  # '$' in a body
        + frame_bytes(1, b"rtcp")
        + frame_bytes(0, b"$second")
    )
    frames: list[tuple[int, bytes]] = []
    for start in range(0, len(stream), 7):  # 7-byte pieces: frames and the answer arrive cut
        camera.conn.sendall(stream[start : start + 7])
        time.sleep(0.002)
        frames += client.read()
    frames += _read_frames(client, 3 - len(frames))
    assert frames == [(0, b"first"), (1, b"rtcp"), (0, b"$second")]
    client.close()


def test_frames_ahead_of_the_play_answer_do_not_break_play(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _connect(camera_port)
    camera.answer(body=SDP.encode())
    camera.answer(headers="Session: x\r\n")
    client.describe()
    client.setup("rtsp://127.0.0.1/cam/trackID=0", 0)
    camera.frame(0, b"early")
    camera.answer()
    client.play()
    camera.frame(0, b"late")
    assert _read_frames(client, 1) == [(0, b"late")]
    client.close()


@pytest.mark.parametrize(
    ("session", "interval_s"), [("x;timeout=10", 5.0), ("x", 30.0), ("x; timeout=2", 2.5)]
)
def test_keepalive_is_sent_at_half_the_session_timeout(
    camera_port: tuple[socket.socket, int],
    monkeypatch: pytest.MonkeyPatch,
    session: str,
    interval_s: float,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(client_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    client, camera = _playing(camera_port, session)
    assert len(camera.requests()) == 3
    now[0] += interval_s - 0.1
    camera.frame(0, b"a")
    assert _read_frames(client, 1) == [(0, b"a")]
    assert len(camera.requests()) == 3  # not yet
    now[0] += 0.2
    camera.frame(0, b"b")
    assert _read_frames(client, 1) == [(0, b"b")]
    keepalive = camera.requests()[-1]
    assert keepalive.startswith(f"GET_PARAMETER {client.url} RTSP/1.0\r\n")
    assert "Session: x" in keepalive.split("\r\n")
    camera.answer(headers="Session: x\r\n")  # its answer, between frames
    camera.frame(0, b"c")
    assert _read_frames(client, 1) == [(0, b"c")]
    client.close()


@pytest.mark.slow
def test_keepalive_within_five_seconds_on_the_real_clock(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _playing(camera_port, "x;timeout=10")
    started = time.monotonic()
    sent = b""
    while b"GET_PARAMETER" not in sent:
        assert time.monotonic() - started < 6, "no keep-alive within half the session timeout"
        camera.frame(0, b"tick")
        client.read()
        camera.conn.settimeout(0.1)
        with contextlib.suppress(TimeoutError):
            sent += camera.conn.recv(65536)
    assert 4.8 < time.monotonic() - started < 6
    client.close()


def test_camera_hanging_up_raises_connection_closed(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _playing(camera_port)
    camera.frame(0, b"last")
    camera.requests()  # read everything, so closing sends FIN rather than RST
    camera.conn.close()
    assert _read_frames(client, 1) == [(0, b"last")]
    with pytest.raises(RtspConnectionClosedError):
        client.read()
    client.close()


def test_hang_up_in_the_middle_of_an_answer(camera_port: tuple[socket.socket, int]) -> None:
    client, camera = _connect(camera_port)
    camera.conn.sendall(answer_bytes(body=SDP.encode())[:40])
    camera.conn.shutdown(socket.SHUT_WR)
    with pytest.raises(RtspConnectionClosedError):
        client.describe()
    client.close()


def test_silent_camera_times_out_within_timeout(camera_port: tuple[socket.socket, int]) -> None:
    client, _camera = _connect(camera_port, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.describe()
    assert 0.25 < time.monotonic() - started < 1.0
    client.close()


def test_interrupt_from_another_thread_ends_a_blocked_read_at_once(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, _camera = _playing(camera_port)
    timer = threading.Timer(0.2, client.interrupt)
    started = time.monotonic()
    timer.start()
    with pytest.raises(RtspConnectionClosedError):
        client.read()
    assert time.monotonic() - started < 1.0  # the read timeout is 5 s
    timer.join()
    client.close()
    client.interrupt()  # after close: a no-op


def test_endless_garbage_while_playing_is_a_protocol_error(
    camera_port: tuple[socket.socket, int],
) -> None:
    client, camera = _playing(camera_port)
    junk = b"not a frame " * 1024  # no '$' in it: nothing to resynchronise on
    sender = threading.Thread(target=_send_junk, args=(camera, junk, 300), daemon=True)
    sender.start()  # 3.6 MB: more than the 1 MiB in a row the client puts up with
    with pytest.raises(RtspProtocolError, match="neither RTP nor RTSP"):
        for _ in range(1000):  # each read gets at most 64 KiB: the count spans reads
            client.read()
    client.close()
    camera.conn.close()
    sender.join(5)


def _send_junk(camera: RawCamera, junk: bytes, times: int) -> None:
    with contextlib.suppress(OSError):  # the client gives up and hangs up first
        for _ in range(times):
            camera.conn.sendall(junk)
