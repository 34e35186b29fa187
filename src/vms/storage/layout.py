"""The one place that formats and parses media paths: <camera>/<stream>/<day>/<hour>/<ms>.mp4."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from vms.core.ids import CameraId, StreamName, camera_id

SEGMENT_SUFFIX = ".mp4"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HOUR = re.compile(r"^\d{2}$")
_NAME = re.compile(r"^(\d{1,16})\.mp4$")


@dataclass(frozen=True, slots=True)
class SegmentKey:
    """What a segment's path says about it."""

    camera_id: CameraId
    stream: StreamName
    start_ms: int


def _day_hour(start_ms: int) -> tuple[str, str]:
    when = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    return when.strftime("%Y-%m-%d"), when.strftime("%H")


def segment_relpath(camera: CameraId, stream: StreamName, start_ms: int) -> PurePosixPath:
    """Path of a segment relative to its pool root (UTC day and hour folders)."""
    if start_ms < 0:
        raise ValueError(f"start_ms must be >= 0, got {start_ms}")
    day, hour = _day_hour(start_ms)
    return PurePosixPath(camera, str(stream), day, hour, f"{start_ms}{SEGMENT_SUFFIX}")


def parse_segment_relpath(relpath: PurePosixPath | str) -> SegmentKey | None:
    """Inverse of segment_relpath; None for anything that is not a well-formed segment path."""
    parts = PurePosixPath(relpath).parts
    if len(parts) != 5:
        return None
    cam, stream, day, hour, name = parts
    match = _NAME.fullmatch(name)
    if match is None or not _DAY.fullmatch(day) or not _HOUR.fullmatch(hour):
        return None
    try:
        key = SegmentKey(camera_id(cam), StreamName(stream), int(match.group(1)))
    except ValueError:
        return None
    if _day_hour(key.start_ms) != (day, hour):
        return None
    return key


def iter_segment_files(pool_root: Path) -> Iterator[tuple[Path, SegmentKey]]:
    """Every well-formed segment file under a pool root, in no particular order."""
    for dirpath, dirnames, filenames in os.walk(pool_root):
        dirnames.sort()
        for filename in sorted(filenames):
            if not filename.endswith(SEGMENT_SUFFIX):
                continue
            path = Path(dirpath, filename)
            key = parse_segment_relpath(PurePosixPath(path.relative_to(pool_root).as_posix()))
            if key is not None:
                yield path, key


def segment_dirs(relpath: PurePosixPath) -> tuple[PurePosixPath, PurePosixPath]:
    """The hour and day folders holding a segment (retention removes them when empty)."""
    hour = relpath.parent
    return hour, hour.parent
