"""Source against GStreamer's RTSP server: H.264/H.265 over TCP and UDP, auth, clean stop."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterator
from fractions import Fraction

import av
import pytest

from tests.support.gst import GstCamera, wait_until
from tests.support.load import allowance_ms
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.ingest.health import SourceState
from vms.ingest.hub import StreamHub
from vms.ingest.source import Source, Transport
from vms.media.packet import HubItem, MediaKind, Packet, StreamInfo

pytestmark = pytest.mark.gstreamer


def collect(hub: StreamHub, count: int, timeout_s: float = 30.0) -> list[HubItem]:
    sub = hub.subscribe("test", max_items=10_000)
    items: list[HubItem] = []
    while sum(isinstance(i, Packet) for i in items) < count:
        item = sub.get(timeout=timeout_s)
        assert item is not None, f"no item within {timeout_s} s; got {len(items)}"
        items.append(item)
    sub.close()
    return items


def newest_age_ms(hub: StreamHub, clock: SystemClock) -> int:
    """How long ago the newest packet's wall time was, once 10 live packets came. Not the first
    ones: a new subscription starts with the hub's cached GOP, up to a GOP (1 s here) old."""
    newest = [i for i in collect(hub, 10) if isinstance(i, Packet)][-1]
    return clock.now_ms() - newest.wall_ms


@pytest.fixture
def make_source() -> Iterator[list[Source]]:
    sources: list[Source] = []
    yield sources
    for source in sources:
        source.stop()


@pytest.mark.parametrize("transport", ["tcp", "udp"])
@pytest.mark.parametrize(("path", "codec"), [("h264", "h264"), ("h265", "hevc")])
def test_packets_flow_from_a_real_rtsp_server(
    gst_camera: GstCamera,
    make_source: list[Source],
    path: str,
    codec: str,
    transport: Transport,
) -> None:
    clock = SystemClock()
    hub = StreamHub(f"cam/{path}")
    sub = hub.subscribe("first", max_items=10_000)
    source = Source(
        CameraId("cam"),
        StreamName.MAIN,
        gst_camera.url(path),
        hub,
        transport=transport,
        clock=clock,
    )
    make_source.append(source)
    source.start()
    items: list[HubItem] = []
    while sum(isinstance(i, Packet) for i in items) < 150:
        item = sub.get(timeout=30)
        assert item is not None
        items.append(item)
    info = items[0]
    assert isinstance(info, StreamInfo)
    assert [t.kind for t in info.tracks] == [MediaKind.VIDEO, MediaKind.AUDIO]
    video = info.tracks[0]
    assert (video.codec, video.width, video.height) == (codec, 320, 240)
    assert video.extradata  # parameter sets from the SDP
    assert info.tracks[1].codec == "opus"
    assert not source.uses_rtsp_client  # Opus audio: FFmpeg's demuxer reads this camera
    packets = [i for i in items if isinstance(i, Packet)]
    assert packets[0].track == 0 and packets[0].keyframe
    assert all(p.generation == info.generation for p in packets)
    now = clock.now_ms()
    assert all(abs(p.wall_ms - now) < 60_000 for p in packets)  # a sane wall clock
    for track in (0, 1):
        dts = [p.dts for p in packets if p.track == track]
        assert dts == sorted(dts) and len(set(dts)) == len(dts)
    health = source.health()
    assert health.state is SourceState.STREAMING
    assert (health.video_codec, health.width, health.height) == (codec, 320, 240)
    assert health.fps > 0 and health.bitrate_bps > 0
    # GStreamer sends RTCP sender reports every few seconds; then wall clock comes from them
    assert wait_until(lambda: source.health().wallclock_source == "rtcp", 30)
    assert abs(newest_age_ms(hub, clock)) < allowance_ms(5_000)


@pytest.fixture(scope="module")
def silent_camera(_gst_ok: None) -> Iterator[GstCamera]:
    """A camera without audio: every track is one the project's RTSP client reads itself."""
    camera = GstCamera()
    camera.start()
    yield camera
    camera.stop()


@pytest.mark.parametrize(("path", "codec"), [("h264", "h264"), ("h265", "hevc")])
def test_the_rtsp_client_reads_gstreamer(
    silent_camera: GstCamera, make_source: list[Source], path: str, codec: str
) -> None:
    clock = SystemClock()
    hub = StreamHub(f"cam/{path}")
    source = Source(CameraId("cam"), StreamName.MAIN, silent_camera.url(path), hub, clock=clock)
    make_source.append(source)
    source.start()
    items = collect(hub, 60)
    assert source.uses_rtsp_client
    info = items[0]
    assert isinstance(info, StreamInfo)
    assert [(t.codec, t.width, t.height) for t in info.tracks] == [(codec, 320, 240)]
    assert info.tracks[0].time_base == Fraction(1, 90_000)
    packets = [i for i in items if isinstance(i, Packet)]
    assert packets[0].keyframe and sum(p.keyframe for p in packets) >= 2  # GOP of 25 frames
    pts = [p.pts for p in packets]
    assert pts[0] == 0 and all(b - a == 3600 for a, b in itertools.pairwise(pts))  # 25 fps
    decoder = av.CodecContext.create(codec, "r")
    assert isinstance(decoder, av.VideoCodecContext)
    decoder.extradata = info.tracks[0].extradata
    frames = [f for p in packets for f in decoder.decode(av.Packet(p.data))]
    assert len(frames) >= len(packets) - 2 and frames[0].width == 320
    assert wait_until(lambda: source.health().wallclock_source == "rtcp", 30)
    assert abs(newest_age_ms(hub, clock)) < allowance_ms(1_000)


def test_late_subscriber_starts_on_a_keyframe(
    gst_camera: GstCamera, make_source: list[Source]
) -> None:
    hub = StreamHub("cam/main")
    source = Source(CameraId("cam"), StreamName.MAIN, gst_camera.url(), hub, clock=SystemClock())
    make_source.append(source)
    source.start()
    collect(hub, 37)  # somewhere inside the second GOP (25 frames per GOP, plus audio)
    items = collect(hub, 5)
    assert isinstance(items[0], StreamInfo)
    first = items[1]
    assert isinstance(first, Packet) and first.track == 0 and first.keyframe


def test_stop_is_prompt_and_leaves_no_thread(
    gst_camera: GstCamera, make_source: list[Source]
) -> None:
    hub = StreamHub("cam/main")
    sub = hub.subscribe("s", max_items=10_000)
    source = Source(CameraId("cam"), StreamName.MAIN, gst_camera.url(), hub, clock=SystemClock())
    source.start()
    assert wait_until(lambda: source.health().state is SourceState.STREAMING, 30)
    source.stop()
    assert not any(t.name == "source-cam/main" for t in threading.enumerate())
    assert source.health().state is SourceState.STOPPED
    items: list[HubItem] = []
    while (item := sub.get_nowait()) is not None:
        items.append(item)
    assert type(items[-1]).__name__ == "StreamEnded"


@pytest.fixture(scope="module")
def secured_camera(_gst_ok: None) -> Iterator[GstCamera]:
    camera = GstCamera(username="admin", password="Sup3r-Secret")
    camera.start()
    yield camera
    camera.stop()


def test_wrong_password_is_reported_and_never_shown(
    secured_camera: GstCamera, make_source: list[Source], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hub = StreamHub("cam/main")
    url = secured_camera.url(credentials="admin:Wrong-Secret")
    source = Source(CameraId("cam"), StreamName.MAIN, url, hub, clock=SystemClock())
    make_source.append(source)
    source.start()
    assert wait_until(lambda: source.health().last_error is not None, 30)
    health = source.health()
    assert health.state is SourceState.RECONNECTING
    assert health.last_error is not None
    assert "authentication failed" in health.last_error
    source.stop()
    assert "Wrong-Secret" not in caplog.text
    assert "Wrong-Secret" not in repr(source.health())
    assert "admin:***@" in caplog.text  # the redacted URL is logged, for support


def test_right_password_streams(secured_camera: GstCamera, make_source: list[Source]) -> None:
    hub = StreamHub("cam/main")
    url = secured_camera.url(credentials="admin:Sup3r-Secret")
    source = Source(CameraId("cam"), StreamName.MAIN, url, hub, clock=SystemClock())
    make_source.append(source)
    source.start()
    packets = [i for i in collect(hub, 10) if isinstance(i, Packet)]
    assert packets[0].keyframe
