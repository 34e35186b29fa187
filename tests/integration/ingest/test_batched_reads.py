"""A Source reads its camera in batches while nobody watches live, and frame by frame otherwise.

The recorder and analytics subscribe with `realtime=False`; with only them, the Source's RTSP
client pauses `BATCH_READ_S` between reads (ADR 0011). What a subscriber sees: packets come in
bursts a quarter of a second apart. A live viewer (a realtime subscriber) gets each frame as it
comes, from the moment it subscribes; and stop() does not wait for a pause to end.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.simulator import RunningSimulator, simulator_process
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub, Subscription
from vms.ingest.source import BATCH_READ_S, Source
from vms.media.packet import Packet

FPS = 25
WATCH_S = 3.0


@pytest.fixture(scope="module")
def camera() -> Iterator[RunningSimulator]:
    with simulator_process("--size", "320x240", "--bitrate", "300k", "--fps", str(FPS)) as sim:
        yield sim


@pytest.fixture
def hub() -> StreamHub:
    return StreamHub("cam/main")


@pytest.fixture
def source(camera: RunningSimulator, hub: StreamHub) -> Iterator[Source]:
    source = Source(CameraId("cam"), StreamName.MAIN, camera.url(), hub, clock=SystemClock())
    source.start()
    yield source
    source.stop()


def _video_arrivals(sub: Subscription, seconds: float) -> list[float]:
    """When each video packet reached `sub` (monotonic), over `seconds`."""
    arrivals: list[float] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        item = sub.get(timeout=left)
        if isinstance(item, Packet) and item.track == 0:
            arrivals.append(time.monotonic())
    return arrivals


def _bursts(arrivals: list[float], gap_s: float = 0.1) -> list[int]:
    """Sizes of the runs of arrivals less than `gap_s` apart."""
    sizes = [1]
    for before, after in itertools.pairwise(arrivals):
        if after - before < gap_s:
            sizes[-1] += 1
        else:
            sizes.append(1)
    return sizes


def _wait_streaming(sub: Subscription) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if isinstance(sub.get(timeout=1), Packet):
            return
    raise AssertionError("no packet within 30 s")


def test_without_live_viewers_packets_come_in_batches(source: Source, hub: StreamHub) -> None:
    recorder = hub.subscribe("recorder", max_items=1024, realtime=False)
    _wait_streaming(recorder)
    bursts = _bursts(_video_arrivals(recorder, WATCH_S))
    frames = sum(bursts)
    assert frames >= FPS * WATCH_S * 0.8  # nothing is lost by waiting
    # ~4 reads a second instead of 25: bursts of ~6 frames (a tolerance for a busy machine)
    assert len(bursts) <= WATCH_S / BATCH_READ_S * 1.5 + 2
    assert frames / len(bursts) >= 3


def test_a_live_viewer_gets_each_frame_as_it_comes(source: Source, hub: StreamHub) -> None:
    recorder = hub.subscribe("recorder", max_items=1024, realtime=False)
    _wait_streaming(recorder)
    viewer = hub.subscribe("viewer")
    _wait_streaming(viewer)
    arrivals = _video_arrivals(viewer, WATCH_S)
    assert len(arrivals) >= FPS * WATCH_S * 0.8
    gaps = sorted(after - before for before, after in itertools.pairwise(arrivals))
    assert gaps[len(gaps) // 2] > 0.5 / FPS  # most frames alone, one frame interval apart
    viewer.close()  # back to batches once the viewer leaves
    recorder_bursts = _bursts(_video_arrivals(recorder, WATCH_S))
    assert sum(recorder_bursts) / len(recorder_bursts) >= 3


def test_stop_does_not_wait_for_the_pause(source: Source, hub: StreamHub) -> None:
    recorder = hub.subscribe("recorder", max_items=1024, realtime=False)
    _wait_streaming(recorder)
    started = time.monotonic()
    source.stop(timeout_s=5)
    assert time.monotonic() - started < BATCH_READ_S + 0.5
    assert not any(t.name == "source-cam/main" for t in threading.enumerate())
