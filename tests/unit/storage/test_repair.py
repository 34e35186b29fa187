"""Repair: rows without files, files without rows, torn files, interrupted deletes; idempotent."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.media import (
    WALL_START_MS,
    GeneratedStream,
    generate_stream,
    write_recorded_segment,
)
from tests.unit.storage.helpers import add_with_file, record
from vms.core.ids import CameraId, StreamName
from vms.media import fmp4
from vms.storage.index import SegmentIndex
from vms.storage.layout import segment_relpath
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.repair import FileOutcome, repair_index

db_engine = postgres.db_engine
CAM = CameraId("cam1")


@pytest.fixture(scope="module")
def stream() -> GeneratedStream:
    return generate_stream(duration_s=4.0, gop=25)


@pytest.fixture
def pool(tmp_path: Path) -> StoragePool:
    root = tmp_path / "pool"
    root.mkdir()
    return StoragePool("p1", root)


def write_segment(pool: StoragePool, stream: GeneratedStream, start_ms: int) -> Path:
    path = pool.root / segment_relpath(CAM, StreamName.MAIN, start_ms)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_recorded_segment(path, stream)


def test_files_without_rows_are_probed_and_indexed(
    db_engine: Engine, pool: StoragePool, stream: GeneratedStream
) -> None:
    index = SegmentIndex(db_engine)
    path = write_segment(pool, stream, WALL_START_MS)
    report = repair_index(index, StoragePools([pool]))
    assert [(f.outcome, f.path) for f in report.files] == [
        (FileOutcome.INDEXED, f"p1:{path.relative_to(pool.root).as_posix()}")
    ]
    [row] = index.query(CAM, StreamName.MAIN, 0, 2**62)
    assert (row.start_ms, row.duration_ms, row.end_ms) == (
        WALL_START_MS,
        4000,
        WALL_START_MS + 4000,
    )
    assert (row.frames, row.video_codec, row.audio_codec) == (100, "h264", "aac")
    assert (row.width, row.height, row.size_bytes) == (320, 240, path.stat().st_size)
    assert repair_index(index, StoragePools([pool])).changed is False


def test_torn_file_is_cut_to_its_last_whole_fragment(
    db_engine: Engine, pool: StoragePool, stream: GeneratedStream
) -> None:
    index = SegmentIndex(db_engine)
    path = write_segment(pool, stream, WALL_START_MS)
    full = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(int(full * 0.7))
    expected_end = fmp4.scan(path).whole_end_bytes
    report = repair_index(index, StoragePools([pool]))
    [result] = report.files
    assert result.outcome is FileOutcome.TRUNCATED
    assert (result.size_before_bytes, result.size_after_bytes) == (int(full * 0.7), expected_end)
    assert path.stat().st_size == expected_end
    [row] = index.query(CAM, None, 0, 2**62)
    assert row.duration_ms in (2000, 3000)
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == row.frames
    assert repair_index(index, StoragePools([pool])).changed is False


def test_file_without_a_whole_fragment_is_removed(
    db_engine: Engine, pool: StoragePool, stream: GeneratedStream
) -> None:
    index = SegmentIndex(db_engine)
    path = write_segment(pool, stream, WALL_START_MS)
    with path.open("r+b") as f:
        f.truncate(fmp4.scan(path).header_end_bytes + 10)
    report = repair_index(index, StoragePools([pool]))
    assert [f.outcome for f in report.files] == [FileOutcome.EMPTY_REMOVED]
    assert not path.exists()
    assert index.query(CAM, None, 0, 2**62) == []


def test_rows_without_files_are_dropped_unless_the_pool_is_missing(
    db_engine: Engine, pool: StoragePool, tmp_path: Path
) -> None:
    index = SegmentIndex(db_engine)
    kept = add_with_file(index, pool, record(start_ms=WALL_START_MS))
    gone = index.add(record(start_ms=WALL_START_MS + 60_000))
    unmounted = StoragePool("p2", tmp_path / "unmounted")
    elsewhere = index.add(record(start_ms=WALL_START_MS + 120_000, pool="p2"))
    report = repair_index(index, StoragePools([pool, unmounted]))
    assert report.rows_dropped == [f"p1:{record(start_ms=WALL_START_MS + 60_000).path}"]
    assert report.pools_skipped == ["p2"]
    assert index.get(gone) is None
    assert index.get(kept) is not None
    assert index.get(elsewhere) is not None  # not proof of loss: the disk may come back


def test_files_being_written_are_left_alone(
    db_engine: Engine, pool: StoragePool, stream: GeneratedStream
) -> None:
    index = SegmentIndex(db_engine)
    path = write_segment(pool, stream, WALL_START_MS)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size - 100)
    size = path.stat().st_size
    report = repair_index(index, StoragePools([pool]), in_progress=[path])
    assert report.files == []
    assert path.stat().st_size == size
