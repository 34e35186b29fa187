"""Index repair: make the index agree with the files after a crash (backs `vms index repair`).

Files are the truth. Repair finishes interrupted deletes, drops rows whose file is gone, indexes
files that have no row, and cuts a torn last segment back to its last whole fragment. It is
idempotent and prints nothing; it returns what it did.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath

from sqlalchemy.exc import IntegrityError

from vms.core.durable import fsync_path
from vms.media import fmp4
from vms.storage.index import COMPLETE, DELETING, SegmentIndex, SegmentRecord
from vms.storage.layout import SegmentKey, iter_segment_files
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.probe import probe_segment
from vms.storage.retention import delete_segment

log = logging.getLogger(__name__)


class FileOutcome(StrEnum):
    INDEXED = "indexed"  # whole file, now indexed
    TRUNCATED = "truncated"  # torn: cut to its last whole fragment, then indexed
    EMPTY_REMOVED = "empty_removed"  # torn with no whole fragment: removed
    EMPTY_KEPT = (
        "empty_kept"  # torn with no whole fragment: left for repair (caller may not delete)
    )
    UNREADABLE = "unreadable"  # whole boxes but no packet PyAV can read: left in place
    DUPLICATE = "duplicate"  # its path is already indexed (another pool)


@dataclass(frozen=True, slots=True)
class FileResult:
    outcome: FileOutcome
    path: str  # "<pool>:<relative path>"
    size_before_bytes: int = 0
    size_after_bytes: int = 0


@dataclass(slots=True)
class RepairReport:
    deletes_finished: list[str] = field(default_factory=list)
    rows_dropped: list[str] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    pools_skipped: list[str] = field(default_factory=list)

    def count(self, outcome: FileOutcome) -> int:
        return sum(1 for f in self.files if f.outcome is outcome)

    @property
    def changed(self) -> bool:
        return bool(self.deletes_finished or self.rows_dropped or self.files)


def index_segment_file(
    index: SegmentIndex,
    pool: StoragePool,
    path: Path,
    key: SegmentKey,
    *,
    may_remove: bool,
) -> FileResult:
    """Index one segment file that has no row, truncating a torn tail first.

    Used by repair and by the recorder for a segment it had to abandon (the recorder passes
    may_remove=False: recording never deletes, so a file with no whole fragment stays for repair).
    """
    relpath = path.relative_to(pool.root).as_posix()
    name = f"{pool.name}:{relpath}"
    scan = fmp4.scan(path)
    size_after = scan.file_size_bytes
    outcome = FileOutcome.INDEXED
    if scan.fragments == 0:
        if not may_remove:
            return FileResult(FileOutcome.EMPTY_KEPT, name, scan.file_size_bytes)
        path.unlink(missing_ok=True)
        log.warning("removed segment file with no whole fragment: %s", name)
        return FileResult(FileOutcome.EMPTY_REMOVED, name, scan.file_size_bytes)
    if not scan.complete:
        os.truncate(path, scan.whole_end_bytes)
        fsync_path(path)
        size_after = scan.whole_end_bytes
        outcome = FileOutcome.TRUNCATED
    probe = probe_segment(path)
    if probe is None:
        return FileResult(FileOutcome.UNREADABLE, name, scan.file_size_bytes, size_after)
    record = SegmentRecord(
        camera_id=key.camera_id,
        stream=key.stream,
        start_ms=key.start_ms,
        duration_ms=probe.duration_ms,
        size_bytes=probe.size_bytes,
        video_codec=probe.video_codec,
        audio_codec=probe.audio_codec,
        width=probe.width,
        height=probe.height,
        path=relpath,
        pool=pool.name,
        frames=probe.frames,
    )
    try:
        index.add(record)
    except IntegrityError:
        return FileResult(FileOutcome.DUPLICATE, name, scan.file_size_bytes, size_after)
    log.info("indexed %s (%s, %d bytes)", name, outcome, size_after)
    return FileResult(outcome, name, scan.file_size_bytes, size_after)


def _pool_ok(pool: StoragePool | None) -> bool:
    return pool is not None and pool.root.is_dir()


def _check_rows(index: SegmentIndex, pools: StoragePools, report: RepairReport) -> None:
    for row in index.rows_in_state(DELETING):
        if delete_segment(index, pools.get(row.pool), row):
            report.deletes_finished.append(f"{row.pool}:{row.path}")
    for row in list(index.iter_all()):
        pool = pools.get(row.pool)
        if row.state != COMPLETE or pool is None or not _pool_ok(pool):
            continue  # an unmounted pool is not proof that its files are gone
        if not (pool.root / PurePosixPath(row.path)).is_file():
            index.delete_row(row.id)
            report.rows_dropped.append(f"{row.pool}:{row.path}")
            log.warning("dropped index row of missing file %s:%s", row.pool, row.path)


def repair_index(
    index: SegmentIndex, pools: StoragePools, *, in_progress: Collection[Path] = ()
) -> RepairReport:
    """Reconcile index and files in every pool. `in_progress`: files a live recorder is writing."""
    report = RepairReport()
    for pool in pools:
        if not _pool_ok(pool):
            report.pools_skipped.append(pool.name)
            log.warning("repair skipped pool %s: %s is not a directory", pool.name, pool.root)
    _check_rows(index, pools, report)
    skip = {p.resolve() for p in in_progress}
    indexed = {(row.pool, row.path) for row in index.iter_all()}
    for pool in pools:
        if pool.name in report.pools_skipped:
            continue
        for path, key in iter_segment_files(pool.root):
            relpath = path.relative_to(pool.root).as_posix()
            if (pool.name, relpath) in indexed or path.resolve() in skip:
                continue
            report.files.append(index_segment_file(index, pool, path, key, may_remove=True))
    return report
