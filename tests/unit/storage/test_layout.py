"""Path layout: the one format of media paths, parsed back exactly."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from vms.core.ids import CameraId, StreamName
from vms.storage.layout import (
    SegmentKey,
    iter_segment_files,
    parse_segment_relpath,
    segment_relpath,
)

CAM = CameraId("cam-1")


@pytest.mark.parametrize(
    ("start_ms", "expected"),
    [
        (0, "cam-1/main/1970-01-01/00/0.mp4"),
        (1_790_000_000_000, "cam-1/main/2026-09-21/14/1790000000000.mp4"),
        (1_767_225_599_999, "cam-1/main/2025-12-31/23/1767225599999.mp4"),
        (1_767_225_600_000, "cam-1/main/2026-01-01/00/1767225600000.mp4"),
    ],
)
def test_relpath_is_utc_day_and_hour(start_ms: int, expected: str) -> None:
    relpath = segment_relpath(CAM, StreamName.MAIN, start_ms)
    assert relpath == PurePosixPath(expected)
    assert parse_segment_relpath(relpath) == SegmentKey(CAM, StreamName.MAIN, start_ms)


@pytest.mark.parametrize("start_ms", [1, 999, 3_599_999, 1_790_000_123_456, 4_102_444_800_000])
def test_round_trip(start_ms: int) -> None:
    for stream in StreamName:
        key = parse_segment_relpath(segment_relpath(CAM, stream, start_ms).as_posix())
        assert key == SegmentKey(CAM, stream, start_ms)


@pytest.mark.parametrize(
    "relpath",
    [
        "cam-1/main/2026-09-21/14/1790000000000.mkv",
        "cam-1/main/2026-09-21/15/1790000000000.mp4",  # hour does not match the name
        "cam-1/main/2026-09-22/14/1790000000000.mp4",  # day does not match the name
        "cam-1/third/2026-09-21/14/1790000000000.mp4",
        "Cam 1/main/2026-09-21/14/1790000000000.mp4",
        "cam-1/main/2026-09-21/1790000000000.mp4",
        "x/cam-1/main/2026-09-21/14/1790000000000.mp4",
        "cam-1/main/2026-09-21/14/-5.mp4",
        "cam-1/main/2026-09-21/14/abc.mp4",
    ],
)
def test_malformed_paths_are_not_segments(relpath: str) -> None:
    assert parse_segment_relpath(relpath) is None


def test_negative_start_is_refused() -> None:
    with pytest.raises(ValueError, match="start_ms"):
        segment_relpath(CAM, StreamName.MAIN, -1)


def test_iter_segment_files_finds_only_segments(tmp_path: Path) -> None:
    wanted = [
        segment_relpath(CAM, StreamName.MAIN, 1_790_000_000_000),
        segment_relpath(CAM, StreamName.SUB, 1_790_000_060_000),
        segment_relpath(CameraId("other"), StreamName.MAIN, 1_790_003_600_000),
    ]
    for relpath in [*wanted, PurePosixPath("cam-1/main/notes.txt"), PurePosixPath("junk.mp4")]:
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_bytes(b"x")
    found = {(p.relative_to(tmp_path).as_posix(), key) for p, key in iter_segment_files(tmp_path)}
    assert found == {(r.as_posix(), parse_segment_relpath(r)) for r in wanted}
