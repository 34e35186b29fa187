"""No two segments of a stream overlap in the index: the recorder's start rule.

A new segment that would start before the end of the stream's previous segment (this run's, or
the latest one in the index from an earlier run) starts at that end instead, unless that would
move it by more than `MAX_OVERLAP_SHIFT_MS` (only a server clock set back does that): then it is
filed at its own time, with a warning.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.media import WALL_START_MS, GeneratedStream, generate_stream, shifted
from tests.unit.recording.test_recorder import CAM, items_of, pool, record
from vms.core.ids import StreamName
from vms.media.packet import HubItem, Packet
from vms.recording.segment_book import MAX_OVERLAP_SHIFT_MS
from vms.storage.index import SegmentIndex, SegmentRecord, SegmentRow
from vms.storage.pools import StoragePool

sqlite_engine = postgres.sqlite_engine
__all__ = ["pool", "sqlite_engine"]  # fixtures used by name


@pytest.fixture(scope="module")
def stream() -> GeneratedStream:
    return generate_stream(duration_s=4.0, fps=25, gop=25)


def restarted(stream: GeneratedStream, *, wall_offset_ms: int) -> list[Packet]:
    """The stream again as a new generation whose media clock restarted, `wall_offset_ms` after
    the first began on the wall clock (less than its duration: an overlap)."""
    again = shifted(stream, offset_s=0.0, generation=2)
    return [dataclasses.replace(p, wall_ms=p.wall_ms + wall_offset_ms) for p in again]


def assert_no_overlap(rows: list[SegmentRow]) -> None:
    ordered = sorted(rows, key=lambda r: r.start_ms)
    for before, after in itertools.pairwise(ordered):
        assert after.start_ms >= before.end_ms, (before, after)


def test_a_segment_that_would_overlap_the_previous_starts_at_its_end(
    sqlite_engine: Engine, pool: StoragePool, stream: GeneratedStream
) -> None:
    second = restarted(stream, wall_offset_ms=2500)  # 1.5 s inside the first segment
    info2 = dataclasses.replace(stream.info, generation=2)
    items: list[HubItem] = [*items_of(stream), info2, *second]
    run = record(sqlite_engine, pool, items)
    assert [r.duration_ms for r in run.rows] == [4000, 4000]
    assert_no_overlap(run.rows)
    assert run.rows[1].start_ms == run.rows[0].end_ms


def _indexed(engine: Engine, start_ms: int, duration_ms: int) -> None:
    """A segment of an earlier run (or an older version) already in the index."""
    SegmentIndex(engine).add(
        SegmentRecord(
            camera_id=CAM,
            stream=StreamName.MAIN,
            start_ms=start_ms,
            duration_ms=duration_ms,
            size_bytes=1,
            video_codec="h264",
            audio_codec=None,
            width=320,
            height=240,
            path=f"earlier/{start_ms}.mp4",
            pool="p1",
            frames=1,
        )
    )


def test_the_previous_segment_of_an_earlier_run_is_respected(
    sqlite_engine: Engine, pool: StoragePool, stream: GeneratedStream
) -> None:
    _indexed(sqlite_engine, WALL_START_MS - 10_000, 10_800)  # ends 800 ms into this run
    run = record(sqlite_engine, pool, list(items_of(stream)))
    assert_no_overlap(run.rows)
    assert run.rows[1].start_ms == WALL_START_MS + 800


def test_a_previous_segment_far_in_the_future_does_not_move_new_recordings(
    sqlite_engine: Engine,
    pool: StoragePool,
    stream: GeneratedStream,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Filed an hour ahead by an older version (or the server clock was set back): moving every
    new recording after it would misfile them all; they keep their own time."""
    caplog.set_level(logging.WARNING, "vms.recording.recorder")
    ahead_ms = MAX_OVERLAP_SHIFT_MS + 3_600_000
    _indexed(sqlite_engine, WALL_START_MS + ahead_ms - 60_000, 60_000)
    run = record(sqlite_engine, pool, list(items_of(stream)))
    assert run.rows[0].start_ms == WALL_START_MS
    assert any("server clock set back" in r.getMessage() for r in caplog.records)
