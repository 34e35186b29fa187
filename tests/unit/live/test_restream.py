"""The RTSP restream in-process: real hubs and the real RTSP server against a raw RTSP client."""

from __future__ import annotations

import asyncio
import base64
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from fractions import Fraction

import pytest

from tests.support.restream import assert_missing_and_offline, play, read_rtp
from tests.support.simulator import RawRtspClient
from tests.unit.live.test_packager_support import CAM, Directory
from vms.core.clock import FakeClock
from vms.core.ids import StreamName
from vms.ingest.hub import StreamHub
from vms.live.metrics import LiveMetrics
from vms.live.restream import RtspRestream
from vms.live.streams import LiveStreams
from vms.media.h26x import to_annexb
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo
from vms.media.rtsp import AuthScheme, RtspAuth
from vms.media.rtsp.server import RtspServerOptions

SPS = bytes.fromhex("6742c01eda0280bfe584")
SPS2 = bytes.fromhex("6742c01fda0280bfe584")
PPS = bytes.fromhex("68ce3c80")
IDR = to_annexb([bytes([0x65, 0x88]) + bytes(3000)])
P_SLICE = to_annexb([bytes([0x41, 0x9A]) + bytes(500)])
WALL_MS = 1_700_000_000_000


@dataclass
class Rig:
    restream: RtspRestream
    directory: Directory
    hub: StreamHub
    metrics: LiveMetrics
    clock: FakeClock

    @property
    def port(self) -> int:
        return self.restream.port

    def url(self, path: str = "cam1") -> str:
        return f"rtsp://127.0.0.1:{self.port}/{path}"


def video_info(
    generation: int = 1, sps: bytes = SPS, audio: CodecParams | None = None
) -> StreamInfo:
    video = CodecParams(
        kind=MediaKind.VIDEO,
        codec="h264",
        time_base=Fraction(1, 90_000),
        extradata=to_annexb([sps, PPS]),
        width=320,
        height=240,
    )
    return StreamInfo((video,) if audio is None else (video, audio), generation)


def frame(index: int, keyframe: bool, generation: int = 1, base_pts: int = 0) -> Packet:
    return Packet(
        track=0,
        data=IDR if keyframe else P_SLICE,
        pts=base_pts + index * 3600,
        dts=base_pts + index * 3600,
        duration=3600,
        keyframe=keyframe,
        wall_ms=WALL_MS + index * 40,
        generation=generation,
    )


async def make_rig(options: RtspServerOptions | None = None) -> Rig:
    directory = Directory()
    hub = directory.add()
    metrics = LiveMetrics()
    clock = FakeClock(WALL_MS)
    restream = RtspRestream(
        LiveStreams(directory),
        metrics,
        clock,
        host="127.0.0.1",
        port=0,
        options=options,
        offline_grace_s=5.0,
    )
    await restream.start()
    return Rig(restream, directory, hub, metrics, clock)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    made = await make_rig()
    yield made
    await made.restream.stop()


def seq_of(packet: bytes) -> int:
    return int(struct.unpack("!H", packet[2:4])[0])


def nal_type(packet: bytes) -> int:
    """NAL type of a single-NAL payload, or of the fragmented NAL for FU-A."""
    kind = packet[12] & 0x1F
    return packet[13] & 0x1F if kind == 28 else kind


async def settle() -> None:
    """Let the restream's pump task handle what was just published."""
    for _ in range(5):
        await asyncio.sleep(0.01)


async def test_unknown_camera_is_404_and_offline_camera_503(rig: Rig) -> None:
    missing = ["nope", "cam1/sub", "cam1/main/extra", "Bad%20Id"]
    await asyncio.to_thread(assert_missing_and_offline, rig.port, missing, "cam1")


async def test_no_subscription_until_a_client_sets_up_then_starts_on_a_keyframe(rig: Rig) -> None:
    rig.hub.publish_info(video_info())
    for index in range(4):
        rig.hub.publish(frame(index, keyframe=index == 0))

    def describe() -> RawRtspClient:
        client = RawRtspClient(rig.port)
        described = client.request("DESCRIBE", rig.url("cam1/main"))
        assert described.status == 200
        assert b"sprop-parameter-sets=" in described.body
        assert b"a=rtpmap:96 H264/90000" in described.body
        return client

    client = await asyncio.to_thread(describe)
    assert rig.hub.stats().subscribers == 0  # a DESCRIBE alone costs nothing
    client.close()
    viewer, seq, session = await asyncio.to_thread(play, rig.port)
    assert rig.hub.stats().subscribers == 1
    first = await asyncio.to_thread(read_rtp, viewer)
    assert seq_of(first) == seq
    assert nal_type(first) == 7  # the cached keyframe, parameter sets first
    for index in range(4, 8):
        rig.hub.publish(frame(index, keyframe=False))
    expected, units = seq, 0
    while units < 8:  # 4 cached and 4 live access units, one unbroken sequence
        packet = await asyncio.to_thread(read_rtp, viewer) if expected != seq else first
        assert seq_of(packet) == expected & 0xFFFF
        expected += 1
        units += packet[1] >> 7
    down = await asyncio.to_thread(viewer.request, "TEARDOWN", rig.url(), {"Session": session})
    assert down.status == 200
    assert rig.hub.stats().subscribers == 0
    viewer.close()
    sample = next(s for s in rig.metrics.live_samples() if s.protocol == "rtsp")
    assert sample.sessions_total == 1 and sample.viewers == 0
    assert sample.first_frame_count == 1 and sample.bytes_out_total > 0


async def test_a_second_client_mid_gop_gets_the_gop_and_the_first_is_unaffected(rig: Rig) -> None:
    rig.hub.publish_info(video_info())
    rig.hub.publish(frame(0, keyframe=True))
    first, _, _ = await asyncio.to_thread(play, rig.port)
    for index in range(1, 6):
        rig.hub.publish(frame(index, keyframe=False))
    await settle()
    second, seq, _ = await asyncio.to_thread(play, rig.port, "cam1/main")
    assert rig.hub.stats().subscribers == 1  # one subscription for both
    packet = await asyncio.to_thread(read_rtp, second)
    assert seq_of(packet) == seq and nal_type(packet) == 7
    rig.hub.publish(frame(6, keyframe=False))
    received_first = 0
    while received_first < 7:  # the first client gets every access unit once, in order
        received_first += (await asyncio.to_thread(read_rtp, first))[1] >> 7
    first.close()
    second.close()


async def test_reconnect_with_same_tracks_keeps_clients_and_rtp_time_goes_on(rig: Rig) -> None:
    rig.hub.publish_info(video_info())
    rig.hub.publish(frame(0, keyframe=True))
    rig.hub.publish(frame(1, keyframe=False))
    viewer, _, _ = await asyncio.to_thread(play, rig.port)
    timestamps: list[int] = []
    while len(timestamps) < 2:
        packet = await asyncio.to_thread(read_rtp, viewer)
        if packet[1] & 0x80:
            timestamps.append(struct.unpack("!I", packet[4:8])[0])
    rig.hub.end("the camera closed the stream")
    rig.hub.publish_info(video_info(generation=2))
    restart = Packet(0, IDR, 0, 0, 3600, True, WALL_MS + 2000, 2)  # timestamps start over
    rig.hub.publish(restart)
    while True:
        packet = await asyncio.to_thread(read_rtp, viewer)
        if packet[1] & 0x80:
            break
    later = struct.unpack("!I", packet[4:8])[0]
    assert (later - timestamps[-1]) & 0xFFFFFFFF == (2000 - 40) * 90  # the wall-clock gap
    viewer.close()


async def test_new_parameter_sets_disconnect_clients_and_describe_anew(rig: Rig) -> None:
    rig.hub.publish_info(video_info())
    rig.hub.publish(frame(0, keyframe=True))
    viewer, _, _ = await asyncio.to_thread(play, rig.port)
    rig.hub.end("camera restarted")
    rig.hub.publish_info(video_info(generation=2, sps=SPS2))
    await asyncio.to_thread(viewer.read_until_closed)
    viewer.close()
    rig.hub.publish(frame(0, keyframe=True, generation=2))

    def describe() -> bytes:
        client = RawRtspClient(rig.port)
        described = client.request("DESCRIBE", rig.url())
        client.close()
        assert described.status == 200
        return described.body

    body = await asyncio.to_thread(describe)
    assert b"profile-level-id=42c01f" in body


async def test_removed_camera_disconnects_its_clients_and_is_404(rig: Rig) -> None:
    rig.hub.publish_info(video_info())
    rig.hub.publish(frame(0, keyframe=True))
    viewer, _, _ = await asyncio.to_thread(play, rig.port)
    del rig.directory.hubs[(CAM, StreamName.MAIN)]
    rig.hub.end("camera removed")
    await asyncio.to_thread(viewer.read_until_closed)
    viewer.close()
    client = RawRtspClient(rig.port)
    response = await asyncio.to_thread(client.request, "DESCRIBE", rig.url())
    assert response.status == 404
    client.close()
    assert rig.hub.stats().subscribers == 0


async def test_offline_past_the_grace_period_disconnects(rig: Rig) -> None:
    rig.hub.publish_info(video_info())
    rig.hub.publish(frame(0, keyframe=True))
    viewer, _, _ = await asyncio.to_thread(play, rig.port)
    rig.hub.end("connection refused")
    await settle()
    rig.restream.sweep()
    assert rig.restream.subscribed() == 1  # within the grace period the viewer waits
    rig.clock.advance(6.0)
    rig.restream.sweep()
    await asyncio.to_thread(viewer.read_until_closed)
    viewer.close()
    assert rig.restream.subscribed() == 0


async def test_audio_tracks_and_unsupported_codecs(rig: Rig) -> None:
    aac = CodecParams(
        MediaKind.AUDIO, "aac", Fraction(1, 48_000), bytes.fromhex("1190"), 0, 0, 48_000, 2
    )
    rig.hub.publish_info(video_info(audio=aac))

    def describe(path: str) -> tuple[int, bytes]:
        client = RawRtspClient(rig.port)
        response = client.request("DESCRIBE", rig.url(path))
        client.close()
        return response.status, response.body

    status, body = await asyncio.to_thread(describe, "cam1")
    assert status == 200
    assert b"a=rtpmap:97 mpeg4-generic/48000/2" in body and b"config=1190" in body
    sub = rig.directory.add(CAM, StreamName.SUB)
    mjpeg = CodecParams(MediaKind.VIDEO, "mjpeg", Fraction(1, 90_000))
    opus = CodecParams(MediaKind.AUDIO, "opus", Fraction(1, 48_000), b"", 0, 0, 48_000, 2)
    sub.publish_info(StreamInfo((mjpeg, opus), 1))
    status, body = await asyncio.to_thread(describe, "cam1/sub")
    assert status == 415 and b"H.264" in body
    pcmu = CodecParams(MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 8000), b"", 0, 0, 8000, 1)
    sub.publish_info(StreamInfo((video_info().tracks[0], opus, pcmu), 2))
    status, body = await asyncio.to_thread(describe, "cam1/sub")
    assert status == 200
    assert b"m=audio 0 RTP/AVP 0" in body and b"opus" not in body.lower()


async def test_a_stalled_client_loses_only_its_own_packets() -> None:
    made = await make_rig(RtspServerOptions(max_client_buffer_bytes=64 * 1024))
    try:
        made.hub.publish_info(video_info())
        made.hub.publish(frame(0, keyframe=True))
        slow, _, _ = await asyncio.to_thread(play, made.port)
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        fast, _, _ = await asyncio.to_thread(play, made.port)
        big = to_annexb([bytes([0x41, 0x9A]) + bytes(40_000)])
        units = 0
        for index in range(1, 200):  # 8 MB that the slow client never reads
            keyframe = index % 50 == 0
            data = IDR if keyframe else big
            made.hub.publish(
                Packet(0, data, index * 3600, index * 3600, 3600, keyframe, WALL_MS, 1)
            )
            while True:
                packet = await asyncio.to_thread(read_rtp, fast)
                if packet[1] & 0x80:
                    units += 1
                    break
        assert units == 199
        mount = made.restream.server.mounts()["/cam1/main"]
        assert mount.stats().dropped_packets > 0
        slow.close()
        fast.close()
    finally:
        await made.restream.stop()


async def test_the_rtsp_auth_it_is_given_guards_every_stream() -> None:
    directory = Directory()
    hub = directory.add()
    hub.publish_info(video_info())
    restream = RtspRestream(
        LiveStreams(directory),
        LiveMetrics(),
        FakeClock(WALL_MS),
        host="127.0.0.1",
        port=0,
        auth=RtspAuth("viewer", "pa55word", schemes=(AuthScheme.BASIC,)),
    )
    await restream.start()

    def run() -> None:
        client = RawRtspClient(restream.port)
        url = f"rtsp://127.0.0.1:{restream.port}/cam1"
        assert client.request("DESCRIBE", url).status == 401
        wrong = "Basic " + base64.b64encode(b"viewer:nope").decode()
        assert client.request("DESCRIBE", url, {"Authorization": wrong}).status == 401
        right = "Basic " + base64.b64encode(b"viewer:pa55word").decode()
        assert client.request("DESCRIBE", url, {"Authorization": right}).status == 200
        unknown = client.request("DESCRIBE", url + "x", {"Authorization": right})
        assert unknown.status == 404
        client.close()

    try:
        await asyncio.to_thread(run)
    finally:
        await restream.stop()


async def test_packets_reach_clients_while_the_event_loop_is_busy(rig: Rig) -> None:
    """The camera's thread sends (ADR 0012): a busy event loop delays no packet."""
    rig.hub.publish_info(video_info())
    rig.hub.publish(frame(0, keyframe=True))
    viewer, seq, _ = await asyncio.to_thread(play, rig.port)
    first = await asyncio.to_thread(read_rtp, viewer)
    assert seq_of(first) == seq
    while first[1] >> 7 == 0:  # the rest of the cached keyframe
        first = await asyncio.to_thread(read_rtp, viewer)
    got: list[int] = []

    def camera_and_viewer() -> None:
        for index in range(1, 6):
            rig.hub.publish(frame(index, keyframe=False))
        while len(got) < 5:
            got.append(seq_of(read_rtp(viewer)))

    thread = threading.Thread(target=camera_and_viewer)
    thread.start()
    thread.join(10)  # blocks the event loop the whole time
    assert not thread.is_alive()
    assert got == [(seq_of(first) + n) & 0xFFFF for n in range(1, 6)]
    viewer.close()


async def test_clients_joining_while_frames_flow_get_unbroken_sequences(rig: Rig) -> None:
    """A PLAY holds the mount's lock from its RTP-Info to joining the live packets: no packet
    pushed meanwhile by the camera's thread is lost or sent twice."""
    rig.hub.publish_info(video_info())
    stop = threading.Event()

    def camera() -> None:
        index = 0
        while not stop.is_set():
            rig.hub.publish(frame(index, keyframe=index % 10 == 0))
            index += 1
            time.sleep(0.001)

    publisher = threading.Thread(target=camera)
    publisher.start()
    try:
        for _ in range(6):
            viewer, seq, _ = await asyncio.to_thread(play, rig.port)
            seqs = [seq_of(await asyncio.to_thread(read_rtp, viewer)) for _ in range(60)]
            assert seqs == [(seq + n) & 0xFFFF for n in range(60)]
            viewer.close()
    finally:
        stop.set()
        publisher.join(10)
