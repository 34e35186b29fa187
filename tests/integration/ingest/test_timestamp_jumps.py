"""A real camera whose clock jumps: recordings stay filed at the time they arrived.

The GStreamer camera runs behind `JumpingRtspProxy`, which moves its RTP timestamps by +1 h or
-28 min in mid-stream, with the sender reports following the jump (the camera's NTP time jumped
too: the reported case) or keeping the old mapping. The project's RTSP client (TCP) reads it
into a Source and a Recorder writing a real index. The proxy speaks interleaved TCP only; the
UDP path (FFmpeg's demuxer) feeds the same normaliser with the same 'prft' values, and is
covered by tests/unit/ingest/test_wallclock_trust.py.

Checked: every packet's wall time is within 1 s of when the test received it, every segment
starts within 1 s of the arrival of its first keyframe, no two rows overlap, the VOD playlist
of the time after the jump exists and never goes back in time, and the untrusted sender
reports are logged once.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.faulty_rtsp import JumpingRtspProxy, RtcpMode
from tests.support.gst import GstCamera, wait_until
from tests.support.load import allowance_ms
from tests.unit.playback.test_hls_overlap import assert_forward
from vms.core.bus import Bus, SegmentClosed
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.ingest.hub import StreamHub
from vms.ingest.source import Source, Transport
from vms.media.packet import Packet
from vms.playback.service import PlaybackLimits, PlaybackService
from vms.recording.recorder import Recorder
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.index import SegmentIndex, SegmentRow
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.retention_marks import RetentionMarks

pytestmark = pytest.mark.gstreamer
sqlite_engine = postgres.sqlite_engine
CAM = CameraId("jumpy")
SEGMENT_S = 2.0
TIMEOUT_S = 60.0
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def camera(_gst_ok: None) -> Iterator[GstCamera]:
    """H.264 only (the project's client reads it; with Opus audio FFmpeg would), GOP 1 s."""
    cam = GstCamera(gop=25)
    cam.start()
    yield cam
    cam.stop()


@dataclass
class Arrivals:
    """What a live subscriber of the hub saw: (received ms, packet) of each video packet."""

    video: list[tuple[int, Packet]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def follow(self, hub: StreamHub) -> threading.Thread:
        sub = hub.subscribe("arrivals", max_items=100_000)

        def run() -> None:
            while not self.stop.is_set():
                item = sub.get(timeout=0.2)
                if isinstance(item, Packet) and item.track == 0:
                    self.video.append((round(time.time() * 1000), item))
            sub.close()

        thread = threading.Thread(target=run, name="arrivals")
        thread.start()
        return thread


def _record_through_a_jump(
    camera: GstCamera, engine: Engine, root: Path, offset_s: float, rtcp: RtcpMode
) -> tuple[list[SegmentRow], Arrivals, Source, int, StoragePools]:
    proxy = JumpingRtspProxy(camera.port, offset_s=offset_s, rtcp=rtcp)
    proxy.start()
    hub = StreamHub(f"{CAM}/main")
    arrivals = Arrivals()
    follower = arrivals.follow(hub)
    bus = Bus()
    closed: list[SegmentClosed] = []
    bus.subscribe(SegmentClosed, closed.append)
    pools = StoragePools([StoragePool("p1", root)])
    index = SegmentIndex(engine)
    feed = hub.subscribe("recorder", max_items=100_000, realtime=False)
    clock = SystemClock()
    recorder = Recorder(
        CAM,
        StreamName.MAIN,
        feed,
        RecorderServices(
            pools=pools,
            index=index,
            clock=clock,
            bus=bus,
        ),
        RecorderSettings(
            segment_duration_s=SEGMENT_S,
            min_free_bytes=0,
        ),
    )
    source = Source(CAM, StreamName.MAIN, proxy.url("h264"), hub, transport="tcp", clock=clock)
    recorder.start()
    source.start()
    try:
        assert source.uses_rtsp_client
        assert wait_until(lambda: len(closed) >= 2, TIMEOUT_S), "no segments before the jump"
        proxy.jump()
        assert wait_until(lambda: proxy.jumped_at is not None, TIMEOUT_S)
        jumped_ms = round(time.time() * 1000)
        before = len(closed)
        assert wait_until(lambda: len(closed) >= before + 3, TIMEOUT_S), "none after the jump"
        if rtcp == "follow":  # a report after the jump reached the client
            assert wait_until(lambda: proxy.reports_after_jump >= 1, TIMEOUT_S)
            reports = proxy.reports_after_jump
            assert wait_until(lambda: len(closed) >= before + 5, TIMEOUT_S)
            assert proxy.reports_after_jump > reports or len(closed) > before + 3
    finally:
        source.stop()
        recorder.stop()
        arrivals.stop.set()
        follower.join(10)
        proxy.stop()
    return index.query(CAM, StreamName.MAIN, 0, 2**62), arrivals, source, jumped_ms, pools


@pytest.mark.parametrize(
    "jump",
    [(3600.0, "follow"), (-28 * 60.0, "follow"), (3600.0, "keep")],
    ids=["+1h-rtcp-follows", "-28min-rtcp-follows", "+1h-rtcp-keeps-old-mapping"],
)
def test_a_camera_clock_jump_keeps_recordings_at_arrival_time(
    camera: GstCamera,
    sqlite_engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    jump: tuple[float, RtcpMode],
) -> None:
    offset_s, rtcp = jump
    caplog.set_level(logging.WARNING, "vms.ingest")
    rows, arrivals, source, jumped_ms, pools = _record_through_a_jump(
        camera, sqlite_engine, tmp_path, offset_s, rtcp
    )
    generations = {packet.generation for _, packet in arrivals.video}
    assert len(generations) >= 2, "the jump did not start a new generation"

    # every packet is filed at the time it arrived
    late = [(received - p.wall_ms, p.generation) for received, p in arrivals.video]
    limit_ms = allowance_ms(1000)  # delivery to this test's sink, on a loaded machine too
    assert all(-200 <= lag <= limit_ms for lag, _ in late), [x for x in late if x[0] > 1000][:5]

    # every segment starts at the arrival of its first keyframe; none overlaps another
    assert len(rows) >= 5
    keyframes = [(received, p.wall_ms) for received, p in arrivals.video if p.keyframe]
    previous_end = -1
    for row in sorted(rows, key=lambda r: r.start_ms):
        # A keyframe timed before the previous segment's end (the clock moved to the first
        # sender report, earlier than arrival by the encoder's latency) starts its segment at
        # that end: the recorder's no-overlap rule (segment_book.MAX_OVERLAP_SHIFT_MS).
        received, wall = max(k for k in keyframes if k[1] <= row.start_ms + 50)
        assert abs(max(wall, previous_end) - row.start_ms) <= 50, (row, wall, previous_end)
        assert -200 <= received - row.start_ms <= limit_ms, row
        previous_end = row.end_ms
    for before, after in itertools.pairwise(sorted(rows, key=lambda r: r.start_ms)):
        assert after.start_ms >= before.end_ms, (before, after)

    # the time after the jump plays, forward
    service = PlaybackService(
        sqlite_engine,
        SegmentIndex(sqlite_engine),
        pools,
        SystemClock(),
        marks=RetentionMarks(sqlite_engine),
        limits=PlaybackLimits(DAY_MS, DAY_MS),
    )

    def uri(segment_id: SegmentId) -> str:
        return f"closed/{segment_id}.mp4"

    first_ms = rows[0].start_ms
    playlist = service.playlist(CAM, StreamName.MAIN, jumped_ms, jumped_ms + 5_000, uri)
    assert playlist.segments >= 1
    assert_forward(service.playlist(CAM, StreamName.MAIN, first_ms, rows[-1].end_ms, uri).text)

    # the reports that disagree with arrival are named once, with the camera
    lines = [r.getMessage() for r in caplog.records if "not trusting them" in r.getMessage()]
    if rtcp == "follow":
        assert len(lines) == 1, lines
        assert f"{CAM}/main" in lines[0]
        assert source.health().wallclock_source == "arrival"
    else:  # the client refuses the old mapping itself: nothing untrusted reaches the clock
        assert len(lines) <= 1, lines


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_the_reports_of_a_camera_with_a_right_clock_are_trusted(
    camera: GstCamera, caplog: pytest.LogCaptureFixture, transport: Transport
) -> None:
    """No false alarm: the real camera's sender reports time the stream, over both paths
    (the project's client over TCP, FFmpeg's demuxer over UDP), within 1 s of arrival."""
    caplog.set_level(logging.WARNING, "vms.ingest")
    hub = StreamHub(f"{CAM}/main")
    sub = hub.subscribe("arrivals", max_items=100_000)
    source = Source(CAM, StreamName.MAIN, camera.url("h264"), hub, transport=transport,
                    clock=SystemClock())  # fmt: skip
    source.start()
    try:
        assert wait_until(lambda: source.health().wallclock_source == "rtcp", TIMEOUT_S)
        while sub.get_nowait() is not None:  # what came while waiting: received late
            pass
        timed = 0
        while timed < 100:  # four seconds of frames after the first report
            item = sub.get(timeout=TIMEOUT_S)
            assert item is not None
            if isinstance(item, Packet):
                assert abs(time.time() * 1000 - item.wall_ms) <= 1000
                timed += 1
    finally:
        source.stop()
        sub.close()
    assert source.health().wallclock_source == "rtcp"
    assert not [r for r in caplog.records if "not trusting them" in r.getMessage()]
