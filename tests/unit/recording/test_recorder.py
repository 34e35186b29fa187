"""Recorder with generated packets: cuts, discontinuities, ffprobe-readable segments, no gaps."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.media import GeneratedStream, generate_stream, shifted
from tests.unit.recording.feeds import ListFeed
from vms.core.bus import Bus, SegmentClosed
from vms.core.clock import FakeClock
from vms.core.ids import CameraId, StreamName
from vms.media.packet import HubItem, Packet, PacketsDropped, StreamEnded
from vms.recording.recorder import Recorder, RecorderState
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.index import SegmentIndex, SegmentRow
from vms.storage.pools import StoragePool, StoragePools

sqlite_engine = postgres.sqlite_engine
CAM = CameraId("cam1")


@pytest.fixture(scope="module")
def stream_a() -> GeneratedStream:
    return generate_stream(duration_s=8.0, fps=25, gop=30)  # keyframe every 1.2 s


@pytest.fixture(scope="module")
def stream_b() -> GeneratedStream:
    return generate_stream(duration_s=3.0, fps=25, gop=25, size=(640, 360), generation=2)


@dataclass
class Run:
    rows: list[SegmentRow]
    closed: list[SegmentClosed]
    recorder: Recorder
    pool: StoragePool
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def pool(tmp_path: Path) -> StoragePool:
    root = tmp_path / "pool"
    root.mkdir()
    return StoragePool("p1", root)


def record(
    engine: Engine,
    pool: StoragePool,
    items: Sequence[HubItem],
    *,
    segment_duration_s: float = 60.0,
    cam: CameraId = CAM,
    pools: StoragePools | None = None,
) -> Run:
    bus = Bus()
    closed: list[SegmentClosed] = []
    errors: list[str] = []
    bus.subscribe(SegmentClosed, closed.append)
    feed = ListFeed(items)
    index = SegmentIndex(engine)
    recorder = Recorder(
        cam,
        StreamName.MAIN,
        feed,
        RecorderServices(
            pools=pools or StoragePools([pool]),
            index=index,
            clock=FakeClock(),
            bus=bus,
            on_storage_error=errors.append,
        ),
        RecorderSettings(
            segment_duration_s=segment_duration_s,
            min_free_bytes=0,
        ),
    )
    recorder.start()
    feed.drained.wait()
    recorder.stop()
    rows = index.query(cam, StreamName.MAIN, 0, 2**62)
    return Run(rows, closed, recorder, pool, errors)


def ffprobe(path: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def assert_contiguous(rows: Sequence[SegmentRow], frame_ms: int = 40) -> None:
    for prev, nxt in itertools.pairwise(rows):
        assert abs(nxt.start_ms - prev.end_ms) <= frame_ms, (prev, nxt)


def items_of(stream: GeneratedStream) -> Iterator[HubItem]:
    yield stream.info
    yield from stream.packets


def test_segments_are_cut_at_the_first_keyframe_after_the_target(
    sqlite_engine: Engine, pool: StoragePool, stream_a: GeneratedStream
) -> None:
    run = record(sqlite_engine, pool, list(items_of(stream_a)), segment_duration_s=2.0)
    assert [r.duration_ms for r in run.rows] == [2400, 2400, 2400, 800]
    assert sum(r.duration_ms for r in run.rows) == 8000
    assert_contiguous(run.rows, frame_ms=0)
    assert [c.segment_id for c in run.closed] == [r.id for r in run.rows]
    assert [(c.start_ms, c.end_ms, c.path) for c in run.closed] == [
        (r.start_ms, r.end_ms, r.path) for r in run.rows
    ]
    for row in run.rows:
        probe = ffprobe(pool.root / row.path)
        video, audio = probe["streams"]
        assert (video["codec_name"], audio["codec_name"]) == ("h264", "aac")
        assert int(video["nb_read_frames"]) == row.frames == row.duration_ms // 40
        assert int(audio["nb_read_frames"]) > 0
        assert (pool.root / row.path).stat().st_size == row.size_bytes
    stats = run.recorder.stats()
    assert stats.segments_closed == 4
    assert stats.state is RecorderState.STOPPED
    assert stats.packets_written + stats.packets_discarded == len(stream_a.packets)
    assert stats.packets_discarded <= 2  # audio before the first keyframe
    assert stats.bytes_written == sum(r.size_bytes for r in run.rows)
    assert stats.fsync_count >= 8 + 4  # at least one per fragment (1 per keyframe) and per close


def test_codec_change_starts_a_new_segment(
    sqlite_engine: Engine,
    pool: StoragePool,
    stream_a: GeneratedStream,
    stream_b: GeneratedStream,
) -> None:
    later_b = shifted(stream_b, offset_s=8.0)
    items: list[HubItem] = [
        *items_of(stream_a),
        StreamEnded("camera rebooted"),
        stream_b.info,
        *later_b,
    ]
    run = record(sqlite_engine, pool, items)
    assert [(r.width, r.height, r.duration_ms) for r in run.rows] == [
        (320, 240, 8000),
        (640, 360, 3000),
    ]
    assert_contiguous(run.rows)
    assert ffprobe(pool.root / run.rows[1].path)["streams"][0]["width"] == 640


def test_new_stream_info_alone_also_cuts(
    sqlite_engine: Engine,
    pool: StoragePool,
    stream_a: GeneratedStream,
    stream_b: GeneratedStream,
) -> None:
    items: list[HubItem] = [*items_of(stream_a), stream_b.info, *shifted(stream_b, offset_s=8.0)]
    assert [r.width for r in record(sqlite_engine, pool, items).rows] == [320, 640]


def _restarted(stream: GeneratedStream, pts_offset_s: float, wall_offset_s: float) -> list[Packet]:
    """The stream again, its media clock moved by pts_offset_s and its wall clock wall_offset_s."""
    moved = shifted(stream, offset_s=pts_offset_s)
    return [
        dataclasses.replace(p, wall_ms=p.wall_ms - round((pts_offset_s - wall_offset_s) * 1000))
        for p in moved
    ]


@pytest.mark.parametrize(
    ("pts_offset_s", "why"),
    [(0.0, "dts goes backwards"), (60.0, "dts jumps forward by far more than a frame")],
)
def test_timestamp_jump_starts_a_new_segment(
    sqlite_engine: Engine,
    pool: StoragePool,
    stream_a: GeneratedStream,
    pts_offset_s: float,
    why: str,
) -> None:
    items: list[HubItem] = [
        *items_of(stream_a),
        *_restarted(stream_a, pts_offset_s, wall_offset_s=8.0),
    ]
    run = record(sqlite_engine, pool, items)
    assert [r.duration_ms for r in run.rows] == [8000, 8000], why
    assert_contiguous(run.rows)


def test_packets_dropped_starts_a_new_segment_at_the_next_keyframe(
    sqlite_engine: Engine, pool: StoragePool, stream_a: GeneratedStream
) -> None:
    packets = list(stream_a.packets)
    cut = next(
        i
        for i, p in enumerate(packets)
        if p.track == 0 and p.pts * stream_a.info.tracks[0].time_base >= 3
    )
    resume = next(
        i for i in range(cut, len(packets)) if packets[i].keyframe and packets[i].track == 0
    )
    items: list[HubItem] = [
        stream_a.info,
        *packets[:cut],
        PacketsDropped(resume - cut),
        *packets[resume:],
    ]
    run = record(sqlite_engine, pool, items)
    assert [r.duration_ms for r in run.rows] == [3000, 4400]  # resumes at the keyframe at 3.6 s
    assert run.rows[1].start_ms - run.rows[0].end_ms == 600  # the dropped span, and only it


def test_unwritable_pool_reports_clearly_and_other_cameras_record(
    sqlite_engine: Engine, pool: StoragePool, stream_a: GeneratedStream, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_bytes(b"")
    bad = StoragePool("bad", blocked)
    run = record(sqlite_engine, pool, list(items_of(stream_a)), pools=StoragePools([bad]))
    assert run.rows == []
    assert run.errors, "the storage error must be reported"
    assert "cam1/main" in run.errors[0] and "not a directory" in run.errors[0]
    stats = run.recorder.stats()
    assert stats.last_error is not None and "bad" in stats.last_error
    assert stats.packets_discarded == len(stream_a.packets)  # drained, never stalled
    other = record(
        sqlite_engine,
        pool,
        list(items_of(stream_a)),
        cam=CameraId("cam2"),
        pools=StoragePools([bad, pool]),
    )
    assert sum(r.duration_ms for r in other.rows) == 8000
    assert other.errors == []
