"""Source on bad input: refused port, non-RTSP URL, garbage, 401, a stream cut mid-GOP."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from tests.support.faulty_rtsp import FaultyRtspServer, Mode
from tests.support.gst import free_port, wait_until
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.ingest.health import SourceHealth, SourceState
from vms.ingest.hub import StreamHub
from vms.ingest.source import Source
from vms.media.packet import HubItem, Packet, StreamEnded, StreamInfo

SECRET = "Pa55-w0rd-xyz"
FAST = Backoff(initial_s=0.1, cap_s=0.5)


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[FaultyRtspServer]:
    mode: Mode = request.param
    server = FaultyRtspServer(mode)
    server.start()
    yield server
    server.stop()


def make(url: str, hub: StreamHub, changes: list[SourceHealth] | None = None) -> Source:
    return Source(
        CameraId("cam"),
        StreamName.MAIN,
        url,
        hub,
        clock=SystemClock(),
        backoff=FAST,
        io_timeout_s=3.0,
        on_health=None if changes is None else changes.append,
    )


def error_of(source: Source) -> str:
    assert wait_until(lambda: source.health().last_error is not None, 30)
    error = source.health().last_error
    assert error is not None
    return error


def test_connection_refused_gives_a_clear_error_and_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="vms.ingest")
    source = make(f"rtsp://admin:{SECRET}@127.0.0.1:{free_port()}/x", StreamHub("cam/main"))
    source.start()
    try:
        assert "connection refused" in error_of(source)
        assert source.health().state is SourceState.RECONNECTING
    finally:
        source.stop()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1  # one line per state change, no spam while retrying
    assert SECRET not in caplog.text


@pytest.mark.parametrize("url", ["http://cam.example/stream", "not a url", "rtsp:///nohost"])
def test_non_rtsp_url_fails_at_once_without_a_thread(url: str) -> None:
    before = threading.active_count()
    changes: list[SourceHealth] = []
    source = make(url, StreamHub("cam/main"), changes)
    source.start()
    health = source.health()
    assert health.state is SourceState.FAILED
    assert health.last_error is not None and "URL" in health.last_error
    assert threading.active_count() == before
    assert [c.state for c in changes] == [SourceState.FAILED]
    source.stop()


def test_password_is_redacted_from_a_bad_url_error() -> None:
    source = make(f"ftp://admin:{SECRET}@cam/x", StreamHub("cam/main"))
    source.start()
    assert SECRET not in repr(source.health())


@pytest.mark.parametrize("faulty", ["garbage"], indirect=True)
def test_garbage_on_the_socket(faulty: FaultyRtspServer) -> None:
    source = make(faulty.url(), StreamHub("cam/main"))
    source.start()
    try:
        assert "not valid RTSP" in error_of(source)
    finally:
        source.stop()


@pytest.mark.parametrize("faulty", ["unauthorized"], indirect=True)
def test_unauthorized_never_leaks_the_password(
    faulty: FaultyRtspServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    changes: list[SourceHealth] = []
    source = make(faulty.url(f"admin:{SECRET}"), StreamHub("cam/main"), changes)
    source.start()
    try:
        assert "authentication failed" in error_of(source)
        assert wait_until(lambda: faulty.connections >= 3, 30)  # it keeps retrying
    finally:
        source.stop()
    shown = caplog.text + repr(changes) + repr(source.health())
    assert SECRET not in shown


@pytest.mark.parametrize("faulty", ["mid_gop"], indirect=True)
def test_stream_cut_mid_gop_ends_and_reconnects(faulty: FaultyRtspServer) -> None:
    hub = StreamHub("cam/main")
    sub = hub.subscribe("s", max_items=10_000)
    source = make(faulty.url(), hub)
    source.start()
    items: list[HubItem] = []
    try:
        while sum(isinstance(i, StreamEnded) for i in items) < 2:
            item = sub.get(timeout=30)
            assert item is not None
            items.append(item)
        assert wait_until(lambda: source.health().reconnects >= 1, 30)
    finally:
        source.stop()
    first_end = next(n for n, i in enumerate(items) if isinstance(i, StreamEnded))
    first = items[:first_end]
    assert isinstance(first[0], StreamInfo)
    packets = [i for i in first if isinstance(i, Packet)]
    assert len(packets) == 4 and packets[0].keyframe and not any(p.keyframe for p in packets[1:])
    second_info = items[first_end + 1]
    assert isinstance(second_info, StreamInfo)
    assert second_info.generation > first[0].generation
    ended = items[first_end]
    assert isinstance(ended, StreamEnded) and "closed" in ended.reason
