"""Segment index: range queries, totals, oldest-first iteration and the delete states."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from tests.support import postgres
from tests.unit.storage.helpers import MINUTE_MS, T0_MS, record
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.storage.index import DELETING, SegmentIndex

db_engine = postgres.db_engine
CAM = CameraId("cam1")


@pytest.fixture
def index(db_engine: Engine) -> SegmentIndex:
    idx = SegmentIndex(db_engine)
    for i in range(10):  # cam1 main: [T0 + i min, T0 + (i+1) min)
        idx.add(record(start_ms=T0_MS + i * MINUTE_MS))
    idx.add(record(start_ms=T0_MS, stream=StreamName.SUB, size_bytes=10))
    idx.add(record("cam2", T0_MS - 5 * MINUTE_MS, size_bytes=7))
    return idx


def _starts(rows: list) -> list[int]:  # type: ignore[type-arg]
    return [(r.start_ms - T0_MS) // MINUTE_MS for r in rows]


def test_add_and_get_round_trip(index: SegmentIndex) -> None:
    rec = record(start_ms=T0_MS + 99 * MINUTE_MS, size_bytes=1234)
    seg_id = index.add(rec)
    row = index.get(seg_id)
    assert row is not None
    assert (row.start_ms, row.end_ms, row.size_bytes, row.path, row.state) == (
        rec.start_ms,
        rec.start_ms + MINUTE_MS,
        1234,
        rec.path,
        "complete",
    )
    assert index.get(SegmentId(10_000)) is None
    assert index.get_by_path("p1", rec.path) == row


def test_paths_are_unique(index: SegmentIndex) -> None:
    with pytest.raises(IntegrityError):
        index.add(record(start_ms=T0_MS))


@pytest.mark.parametrize(
    ("start_min", "end_min", "expected"),
    [
        (0, 1, [0]),
        (0.5, 2.5, [0, 1, 2]),  # a range starting inside a segment includes it
        (1, 2, [1]),  # end is exclusive, so is a segment ending exactly at start
        (9.99, 100, [9]),
        (10, 20, []),
        (-100, 0, []),
        (-100, 0.01, [0]),
    ],
)
def test_query_returns_overlapping_segments_in_order(
    index: SegmentIndex, start_min: float, end_min: float, expected: list[int]
) -> None:
    rows = index.query(
        CAM, StreamName.MAIN, T0_MS + int(start_min * MINUTE_MS), T0_MS + int(end_min * MINUTE_MS)
    )
    assert _starts(rows) == expected


def test_query_any_stream_limit_and_other_cameras(index: SegmentIndex) -> None:
    rows = index.query(CAM, None, T0_MS, T0_MS + 2 * MINUTE_MS)
    assert [(r.stream, _starts([r])[0]) for r in rows] in (
        [(StreamName.MAIN, 0), (StreamName.SUB, 0), (StreamName.MAIN, 1)],
        [(StreamName.SUB, 0), (StreamName.MAIN, 0), (StreamName.MAIN, 1)],
    )
    assert _starts(index.query(CAM, StreamName.MAIN, T0_MS, T0_MS + 10 * MINUTE_MS, 3)) == [0, 1, 2]
    assert index.query(CameraId("nope"), None, 0, 2**62) == []


def test_query_skips_segments_being_deleted(index: SegmentIndex) -> None:
    first = index.query(CAM, StreamName.MAIN, T0_MS, T0_MS + 1)[0]
    assert index.mark_deleting(first.id)
    assert index.query(CAM, StreamName.MAIN, T0_MS, T0_MS + 1) == []
    assert [r.id for r in index.rows_in_state(DELETING)] == [first.id]
    assert not index.mark_deleting(first.id)
    index.delete_row(first.id)
    assert index.get(first.id) is None
    assert index.rows_in_state(DELETING) == []


def test_camera_totals(index: SegmentIndex) -> None:
    totals = index.camera_totals()
    assert totals[CAM].count == 11
    assert totals[CAM].size_bytes == 10 * 1000 + 10
    assert totals[CAM].oldest_start_ms == T0_MS
    assert totals[CameraId("cam2")].oldest_start_ms == T0_MS - 5 * MINUTE_MS
    assert index.pool_bytes("p1") == 10_017
    assert index.pool_bytes("other") == 0


def test_oldest_iterates_in_start_order_across_pages(index: SegmentIndex) -> None:
    all_rows = list(index.oldest(batch=3))
    starts = [r.start_ms for r in all_rows]
    assert starts == sorted(starts)
    assert len(all_rows) == 12
    assert all_rows[0].camera_id == "cam2"
    cam_rows = list(index.oldest(camera_id=CAM, batch=4))
    assert len(cam_rows) == 11
    before = list(index.oldest(camera_id=CAM, before_ms=T0_MS + 2 * MINUTE_MS, batch=2))
    assert _starts(before) == [0, 0, 1]
    assert list(index.oldest(pool="other")) == []


def test_iter_all_visits_every_row_once(index: SegmentIndex) -> None:
    ids = [r.id for r in index.iter_all(batch=5)]
    assert len(ids) == 12
    assert len(set(ids)) == 12
