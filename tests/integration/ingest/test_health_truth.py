"""A Source tells the truth: new parameters make a new generation, a degraded stream says so,
a camera that answers but sends nothing is not "no answer", and audio-only streams are refused."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import av
import pytest

from tests.support.gst import wait_until
from tests.support.quiet_rtsp import QuietRtspServer
from tests.support.resize_camera import ResizeCamera
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.ingest.health import AUDIO_ONLY_REFUSED, SourceState
from vms.ingest.hub import StreamHub
from vms.ingest.probe import ProbeFailedError, ProbeRequest, probe_camera
from vms.ingest.source import Source, Transport
from vms.media.packet import Packet, StreamInfo

FAST = Backoff(initial_s=0.1, cap_s=0.5)


@pytest.fixture(scope="module")
def resize_camera(_gst_ok: None) -> Iterator[ResizeCamera]:
    camera = ResizeCamera(switch_s=2.0)
    camera.start()
    yield camera
    camera.stop()


@pytest.fixture
def sources() -> Iterator[list[Source]]:
    made: list[Source] = []
    yield made
    for source in made:
        source.stop()


def start_source(
    made: list[Source], url: str, transport: Transport = "tcp", io_timeout_s: float = 10.0
) -> tuple[Source, StreamHub]:
    hub = StreamHub("cam/main")
    source = Source(
        CameraId("cam"),
        StreamName.MAIN,
        url,
        hub,
        transport=transport,
        clock=SystemClock(),
        backoff=FAST,
        io_timeout_s=io_timeout_s,
    )
    made.append(source)
    source.start()
    return source, hub


@pytest.mark.gstreamer
@pytest.mark.parametrize("transport", ["tcp", "udp"])
@pytest.mark.parametrize(("path", "codec"), [("h264", "h264"), ("h265", "hevc")])
def test_a_new_picture_size_starts_a_new_generation(
    resize_camera: ResizeCamera, sources: list[Source], path: str, codec: str, transport: Transport
) -> None:
    source, hub = start_source(sources, resize_camera.url(path), transport)
    sub = hub.subscribe("test", max_items=100_000)
    infos: list[StreamInfo] = []
    sizes_in_health: set[tuple[int, int]] = set()
    current: StreamInfo | None = None
    deadline = time.monotonic() + 60
    while len(infos) < 4:  # the first size, the second, the first again, the second again
        assert time.monotonic() < deadline, [(i.generation, i.tracks[0].width) for i in infos]
        item = sub.get(timeout=30)
        assert item is not None, infos
        health = source.health()
        sizes_in_health.add((health.width, health.height))
        if isinstance(item, StreamInfo):
            infos.append(item)
            current = item
        elif isinstance(item, Packet):
            assert current is not None and item.generation == current.generation
    sub.close()
    sizes = [(info.tracks[0].width, info.tracks[0].height) for info in infos]
    assert sizes == [(320, 240), (160, 120), (320, 240), (160, 120)], sizes
    assert all(info.tracks[0].codec == codec for info in infos)
    generations = [info.generation for info in infos]
    assert generations == sorted(set(generations)), generations
    assert {(320, 240), (160, 120)} <= sizes_in_health
    assert source.health().state in (SourceState.STREAMING, SourceState.DEGRADED)


@pytest.mark.gstreamer
def test_each_generation_begins_with_a_keyframe_of_its_size(
    resize_camera: ResizeCamera, sources: list[Source]
) -> None:
    _source, hub = start_source(sources, resize_camera.url("h264"))
    sub = hub.subscribe("test", max_items=100_000)
    seen = 0
    info: StreamInfo | None = None
    first_of_generation = False
    deadline = time.monotonic() + 60
    while seen < 3:
        assert time.monotonic() < deadline, f"{seen} generations in 60 s"
        item = sub.get(timeout=30)
        assert item is not None
        if isinstance(item, StreamInfo):
            info, first_of_generation, seen = item, True, seen + 1
        elif isinstance(item, Packet) and item.track == 0 and first_of_generation:
            assert info is not None and item.keyframe
            first_of_generation = False
            decoder = av.CodecContext.create("h264", "r")
            frames = decoder.decode(av.Packet(item.data))
            size = (frames[0].width, frames[0].height)
            assert size == (info.tracks[0].width, info.tracks[0].height)
    sub.close()


def test_a_camera_that_answers_but_sends_nothing_says_so(sources: list[Source]) -> None:
    server = QuietRtspServer("silent")
    server.start()
    try:
        source, _hub = start_source(sources, server.url(), io_timeout_s=1.0)
        assert wait_until(lambda: source.health().failed_attempts >= 2, 30)
        health = source.health()
        assert health.state is SourceState.RECONNECTING
        assert health.last_error == "the camera answered but sent no video for 1 s"
        assert health.reconnects >= 1  # failed attempts count as reconnection attempts
        assert health.reconnects >= health.failed_attempts - 1
    finally:
        source.stop()
        server.stop()


def test_frames_lost_on_the_network_make_the_stream_degraded(
    sources: list[Source], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vms.ingest")
    server = QuietRtspServer("lossy", drop_every=15)
    server.start()
    try:
        source, _hub = start_source(sources, server.url())
        assert wait_until(lambda: source.health().state is SourceState.DEGRADED, 30)
        reason = source.health().degraded_reason
        assert reason is not None and "lost on the network" in reason
        assert source.health().last_packet_ms is not None
    finally:
        source.stop()
        server.stop()
    lines = [r.getMessage() for r in caplog.records if "degraded" in r.getMessage()]
    assert lines and lines[0].startswith("cam/main: streaming -> degraded: "), lines


@pytest.mark.gstreamer
@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_an_audio_only_camera_is_refused_once_and_for_good(
    resize_camera: ResizeCamera,
    sources: list[Source],
    transport: Transport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="vms.ingest")
    url = resize_camera.url("audio")
    source, hub = start_source(sources, url, transport)
    assert wait_until(lambda: source.health().state is SourceState.FAILED, 30)
    health = source.health()
    assert health.last_error == AUDIO_ONLY_REFUSED
    assert health.reconnects == 0  # not retried
    assert hub.info is None  # nothing was published
    assert "streaming" not in caplog.text
    with pytest.raises(ProbeFailedError, match="audio-only streams are not recorded"):
        probe_camera(ProbeRequest(url=url, transport=transport), clock=SystemClock(), timeout_s=10)
