"""The RTSP server in-process against a raw socket client: flow, errors, slow clients, timeouts."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator

import pytest

from tests.support.simulator import RawRtspClient
from vms.media.h26x import to_annexb
from vms.media.rtsp import RtspAuth
from vms.media.rtsp.server import RtspMount, RtspServer, RtspServerOptions
from vms.media.sdp import TrackDescription

SPS = bytes.fromhex("6742c01eda0280bfe584")
PPS = bytes.fromhex("68ce3c80")
IDR = to_annexb([bytes([0x65, 0x88]) + bytes(3000)])
P_SLICE = to_annexb([bytes([0x41, 0x9A]) + bytes(500)])
TCP = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}


async def _server(
    auth: RtspAuth | None = None, options: RtspServerOptions | None = None
) -> tuple[RtspServer, RtspMount]:
    server = RtspServer("127.0.0.1", 0, auth, options=options)
    mount = server.mount("/cam1/main", [TrackDescription.video("h264", to_annexb([SPS, PPS]))])
    await server.start()
    return server, mount


@pytest.fixture
async def served() -> AsyncIterator[tuple[RtspServer, RtspMount]]:
    server, mount = await _server()
    yield server, mount
    await server.stop()


def _push(mount: RtspMount, index: int, keyframe: bool) -> None:
    data = IDR if keyframe else P_SLICE
    mount.push(0, data, rtp_time=index * 3600, keyframe=keyframe, wall_ms=1_700_000_000_000)


async def _play_tcp(port: int) -> tuple[RawRtspClient, dict[str, str]]:
    def run() -> tuple[RawRtspClient, dict[str, str]]:
        client = RawRtspClient(port)
        url = f"rtsp://127.0.0.1:{port}/cam1/main"
        assert client.request("OPTIONS", url).status == 200
        described = client.request("DESCRIBE", url)
        assert described.status == 200
        assert described.headers["content-base"] == url + "/"
        assert b"a=control:trackID=0" in described.body
        setup = client.request("SETUP", url + "/trackID=0", TCP)
        assert setup.status == 200
        assert setup.headers["transport"].startswith("RTP/AVP/TCP;unicast;interleaved=0-1")
        session = setup.headers["session"].split(";")[0]
        assert setup.headers["session"].endswith(";timeout=60")
        play = client.request("PLAY", url + "/", {"Session": session})
        assert play.status == 200
        return client, {"session": session, **play.headers}

    return await asyncio.to_thread(run)


async def test_tcp_play_sends_sr_then_rtp_matching_rtp_info(
    served: tuple[RtspServer, RtspMount],
) -> None:
    server, mount = served
    _push(mount, 0, keyframe=True)  # before PLAY: gives the mount a wall clock anchor
    client, headers = await _play_tcp(server.port)
    info = headers["rtp-info"]
    assert info.startswith(f"url=rtsp://127.0.0.1:{server.port}/cam1/main/trackID=0;seq=")
    seq = int(info.split("seq=")[1].split(";")[0])
    channel, report = await asyncio.to_thread(client.read_frame)
    assert channel == 1 and report[1] == 200  # RTCP SR right at PLAY
    client.send_raw(b"$\x01\x00\x08" + bytes([0x81, 201, 0, 1]) + bytes(4))  # a receiver report
    _push(mount, 1, keyframe=False)
    channel, packet = await asyncio.to_thread(client.read_frame)
    assert channel == 0
    assert struct.unpack("!H", packet[2:4])[0] == seq
    assert packet[1] == 0x80 | 96  # one packet, marker set
    url = f"rtsp://127.0.0.1:{server.port}/cam1/main"
    keepalive = await asyncio.to_thread(
        client.request, "GET_PARAMETER", url, {"Session": headers["session"]}
    )
    assert keepalive.status == 200
    down = await asyncio.to_thread(client.request, "TEARDOWN", url, {"Session": headers["session"]})
    assert down.status == 200
    assert server.session_count == 0
    client.close()


async def test_errors(served: tuple[RtspServer, RtspMount]) -> None:
    server, _ = served
    url = f"rtsp://127.0.0.1:{server.port}"

    def run() -> None:
        client = RawRtspClient(server.port)
        assert client.request("DESCRIBE", url + "/nope").status == 404
        assert client.request("SETUP", url + "/cam1/main/trackID=5", TCP).status == 404
        assert client.request("PLAY", url + "/cam1/main", {"Session": "12345"}).status == 454
        assert client.request("PLAY", url + "/cam1/main").status == 454
        assert client.request("TEARDOWN", url + "/cam1/main", {"Session": "x"}).status == 454
        bad = {"Transport": "RTP/AVP;multicast"}
        assert client.request("SETUP", url + "/cam1/main/trackID=0", bad).status == 461
        assert client.request("RECORD", url + "/cam1/main").status == 501
        response = client.request("OPTIONS", url)
        assert "DESCRIBE" in response.headers["public"]
        client.close()

    await asyncio.to_thread(run)


async def test_garbage_and_half_requests_do_not_hurt_the_server(
    served: tuple[RtspServer, RtspMount],
) -> None:
    server, _ = served

    def run() -> None:
        garbage = RawRtspClient(server.port)
        garbage.send_raw(bytes(range(256)) * 4)
        assert garbage.read_until_closed().startswith(b"RTSP/1.0 400 Bad Request\r\n")
        garbage.close()
        half = RawRtspClient(server.port)
        half.send_raw(b"DESCRIBE rtsp://127.0.0.1/cam1/main RTSP/1.0\r\nCSeq: 1\r\nAcc")
        half.close()
        healthy = RawRtspClient(server.port)
        assert (
            healthy.request("DESCRIBE", f"rtsp://127.0.0.1:{server.port}/cam1/main").status == 200
        )
        healthy.close()

    await asyncio.to_thread(run)


async def test_authentication_is_required() -> None:
    server, _ = await _server(RtspAuth("admin", "secret"))
    url = f"rtsp://127.0.0.1:{server.port}/cam1/main"

    def run() -> None:
        client = RawRtspClient(server.port)
        assert client.request("OPTIONS", url).status == 200
        denied = client.request("DESCRIBE", url)
        assert denied.status == 401
        assert denied.headers["www-authenticate"].startswith("Basic realm=")  # the last one wins
        basic = "Basic " + __import__("base64").b64encode(b"admin:secret").decode()
        assert client.request("DESCRIBE", url, {"Authorization": basic}).status == 200
        client.close()

    try:
        await asyncio.to_thread(run)
    finally:
        await server.stop()


async def test_slow_tcp_client_drops_until_keyframe_and_others_continue() -> None:
    server, mount = await _server(options=RtspServerOptions(max_client_buffer_bytes=64 * 1024))
    try:
        slow, _ = await _play_tcp(server.port)
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        fast, _ = await _play_tcp(server.port)
        big = to_annexb([bytes([0x41, 0x9A]) + bytes(40_000)])
        received = 0
        for index in range(300):  # 12 MB that the slow client never reads
            if index % 50 == 0:
                _push(mount, index, keyframe=True)
            else:
                mount.push(0, big, rtp_time=index * 3600, keyframe=False, wall_ms=0)
            received += await asyncio.to_thread(_read_access_unit, fast)
        assert received == 300
        assert mount.stats().dropped_packets > 0
        # Drain the slow client: after the drops, the next packet it gets starts a keyframe.
        slow.sock.settimeout(2)
        nal_types = []
        for _ in range(200):
            channel, packet = await asyncio.to_thread(slow.read_frame)
            if channel == 0:
                nal_types.append(packet[12] & 0x1F)
        assert 7 in nal_types  # SPS: the resync point (keyframes carry parameter sets in-band)
        slow.close()
        fast.close()
    finally:
        await server.stop()


def _read_access_unit(client: RawRtspClient) -> int:
    """Read RTP packets until one with the marker bit; 1 when a whole access unit arrived."""
    while True:
        channel, packet = client.read_frame()
        if channel == 0 and packet[1] & 0x80:
            return 1


async def test_silent_udp_session_is_reaped_and_answers_454() -> None:
    options = RtspServerOptions(session_timeout_s=0.3, rtcp_interval_s=0.1)
    server, _ = await _server(options=options)
    url = f"rtsp://127.0.0.1:{server.port}/cam1/main"

    def setup() -> tuple[RawRtspClient, str]:
        client = RawRtspClient(server.port)
        transport = {"Transport": "RTP/AVP;unicast;client_port=40000-40001"}
        response = client.request("SETUP", url + "/trackID=0", transport)
        assert response.status == 200
        assert "server_port=" in response.headers["transport"]
        return client, response.headers["session"].split(";")[0]

    try:
        client, session = await asyncio.to_thread(setup)
        assert server.session_count == 1
        for _ in range(50):
            if server.session_count == 0:
                break
            await asyncio.sleep(0.1)
        assert server.session_count == 0
        response = await asyncio.to_thread(client.request, "PLAY", url, {"Session": session})
        assert response.status == 454
        client.close()
    finally:
        await server.stop()
