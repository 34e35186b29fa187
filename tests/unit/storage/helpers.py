"""Shared builders for storage tests: segment records, dummy files and a fake disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vms.core.ids import CameraId, SegmentId, StreamName
from vms.storage.index import SegmentIndex, SegmentRecord
from vms.storage.layout import segment_relpath
from vms.storage.pools import DiskUsage, StoragePool

T0_MS = 1_790_000_000_000
MINUTE_MS = 60_000


def record(
    camera: str = "cam1",
    start_ms: int = T0_MS,
    *,
    duration_ms: int = MINUTE_MS,
    size_bytes: int = 1000,
    stream: StreamName = StreamName.MAIN,
    pool: str = "p1",
) -> SegmentRecord:
    cam = CameraId(camera)
    return SegmentRecord(
        camera_id=cam,
        stream=stream,
        start_ms=start_ms,
        duration_ms=duration_ms,
        size_bytes=size_bytes,
        video_codec="h264",
        audio_codec=None,
        width=320,
        height=240,
        path=segment_relpath(cam, stream, start_ms).as_posix(),
        pool=pool,
        frames=25,
    )


def add_with_file(index: SegmentIndex, pool: StoragePool, rec: SegmentRecord) -> SegmentId:
    """Index a record and create a dummy file of its size where the layout puts it."""
    path = pool.root / rec.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * rec.size_bytes)
    return index.add(rec)


@dataclass
class FakeDisk:
    """A disk of `capacity_bytes` whose free space is what the files under the root leave."""

    capacity_bytes: int

    def __call__(self, root: Path) -> DiskUsage:
        used = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        return DiskUsage(total_bytes=self.capacity_bytes, free_bytes=self.capacity_bytes - used)
