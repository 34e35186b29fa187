"""The recorder in events mode: files around events only, from a pre-roll of buffered GOPs, one
stretch for overlapping events, honest counters; and the locks of the events' recordings."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.media import WALL_START_MS, GeneratedStream, generate_stream
from tests.unit.recording.feeds import HeldFeed
from vms.core.bus import Bus, EventPhase, EventReported
from vms.core.clock import FakeClock
from vms.core.ids import CameraId, StreamName
from vms.recording.modes import DAY_MS, Mode, RecordingMode
from vms.recording.recorder import Recorder, RecorderState, RecorderStats
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.index import SegmentIndex, SegmentRow
from vms.storage.locks import EvidenceLock, EvidenceLocks
from vms.storage.pools import StoragePool, StoragePools

sqlite_engine = postgres.sqlite_engine
CAM = CameraId("cam1")
T0 = WALL_START_MS
PRE_S, POST_S = 1.0, 1.0


@pytest.fixture(scope="module")
def stream() -> GeneratedStream:
    return generate_stream(duration_s=10.0, fps=25, gop=30)  # keyframe every 1.2 s


@dataclass
class Run:
    rows: list[SegmentRow]
    pool: StoragePool
    locks: list[EvidenceLock]
    waiting: RecorderStats  # after the last packet, before stop
    stats: RecorderStats


def record(
    engine: Engine,
    tmp_path: Path,
    stream: GeneratedStream,
    events: Sequence[tuple[int, int | None]],  # (start, end) in ms from the stream's start
    mode: Mode = Mode.EVENTS,
) -> Run:
    """Record the stream with these events reported before its packets arrive."""
    pool = StoragePool("p1", tmp_path / "pool")
    pool.root.mkdir(parents=True)
    bus = Bus()
    locks = EvidenceLocks(engine, FakeClock())
    feed = HeldFeed([stream.info, *stream.packets])
    recorder = Recorder(
        CAM,
        StreamName.MAIN,
        feed,
        RecorderServices(StoragePools([pool]), SegmentIndex(engine), FakeClock(), bus, locks=locks),
        RecorderSettings(min_free_bytes=0),
        mode=RecordingMode(mode, pre_roll_s=PRE_S, post_roll_s=POST_S, event_retention_days=2),
    )
    recorder.start()
    assert recorder.stats().state is (
        RecorderState.WAITING_EVENTS if mode is Mode.EVENTS else RecorderState.WAITING_KEYFRAME
    )
    for number, (start, end) in enumerate(events):
        phase: EventPhase = "opened" if end is None else "closed"
        end_ms = None if end is None else T0 + end
        bus.publish(EventReported(f"e{number}", CAM, "motion", phase, T0 + start, end_ms, 0.5, ()))
    feed.release.set()
    feed.drained.wait()
    waiting = recorder.stats()
    recorder.stop()
    rows = SegmentIndex(engine).query(CAM, StreamName.MAIN, 0, 2**62)
    return Run(rows, pool, locks.list(CAM), waiting, recorder.stats())


def decoded_frames(path: Path) -> float:
    """The video frames ffprobe decodes in a file."""
    out = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames"),
            *("-show_entries", "stream=nb_read_frames", "-of", "json", str(path)),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out)["streams"][0]["nb_read_frames"])


def spans(run: Run) -> list[tuple[int, int]]:
    return [(r.start_ms - T0, r.end_ms - T0) for r in run.rows]


def test_an_event_is_recorded_from_the_keyframe_before_its_pre_roll_to_its_post_roll(
    sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream
) -> None:
    run = record(sqlite_engine, tmp_path, stream, [(3_000, 4_000)])
    assert len(run.rows) == 1
    (start, end), row = spans(run)[0], run.rows[0]
    # the last keyframe at or before 3 s − 1 s is the one at 1.2 s
    assert start == 1_200 and start <= 3_000 - PRE_S * 1000
    assert 4_000 + POST_S * 1000 <= end <= 4_000 + POST_S * 1000 + 80
    frames = decoded_frames(run.pool.root / row.path)
    assert frames == row.frames == pytest.approx((end - start) / 40, abs=1)
    assert run.waiting.state is RecorderState.WAITING_EVENTS  # idle again after the post-roll


def test_overlapping_events_make_one_file(
    sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream
) -> None:
    one = record(sqlite_engine, tmp_path, stream, [(2_500, 3_500), (4_000, 4_500)])
    assert [s for s, _ in spans(one)] == [1_200]
    assert 5_500 <= spans(one)[0][1] <= 5_580


def test_events_apart_make_two_files_with_nothing_between(
    sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream
) -> None:
    two = record(sqlite_engine, tmp_path, stream, [(2_500, 3_000), (8_000, 8_500)])
    assert [s for s, _ in spans(two)] == [1_200, 6_000]  # 8 s − 1 s: the keyframe at 6 s
    assert 4_000 <= spans(two)[0][1] <= 4_080 and 9_500 <= spans(two)[1][1] <= 9_580


def test_an_open_event_records_until_the_stream_ends(
    sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream
) -> None:
    run = record(sqlite_engine, tmp_path, stream, [(5_000, None)])
    assert len(run.rows) == 1 and run.rows[0].start_ms == T0 + 3_600
    assert run.rows[0].end_ms >= T0 + 9_900
    assert [(lock.start_ms - T0, lock.end_ms - T0) for lock in run.locks] == [(4_000, 6_000)]


def test_counters_tell_packets_left_out_by_the_mode_from_lost_ones(
    sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream
) -> None:
    run = record(sqlite_engine, tmp_path, stream, [(3_000, 4_000)])
    s = run.waiting
    assert s.packets_received == len(stream.packets)
    assert s.packets_discarded <= 3  # audio before the first keyframe of the file, at most
    assert s.packets_outside_events > 100  # before the pre-roll, and after up to a keyframe
    assert s.packets_buffered > 0  # the pre-roll held for a next event
    assert (
        s.packets_written + s.packets_discarded + s.packets_outside_events + s.packets_buffered
        == s.packets_received
    )


def test_no_event_no_file(sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream) -> None:
    run = record(sqlite_engine, tmp_path, stream, [])
    assert run.rows == [] and run.waiting.packets_written == 0
    assert run.waiting.state is RecorderState.WAITING_EVENTS
    assert not any(run.pool.root.rglob("*.mp4"))


@pytest.mark.parametrize("mode", [Mode.EVENTS, Mode.CONTINUOUS_EVENTS])
def test_closed_events_lock_their_recordings(
    sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream, mode: Mode
) -> None:
    run = record(sqlite_engine, tmp_path, stream, [(3_000, 4_000)], mode)
    assert [(lock.start_ms - T0, lock.end_ms - T0) for lock in run.locks] == [(2_000, 5_000)]
    assert run.locks[0].expires_ms == T0 + 5_000 + 2 * DAY_MS
    assert run.stats.event_locks == 1


def test_continuous_events_mode_records_everything(
    sqlite_engine: Engine, tmp_path: Path, stream: GeneratedStream
) -> None:
    run = record(sqlite_engine, tmp_path, stream, [(3_000, 4_000)], Mode.CONTINUOUS_EVENTS)
    assert spans(run)[0][0] == 0 and spans(run)[-1][1] >= 9_900
    assert run.waiting.packets_outside_events == 0
