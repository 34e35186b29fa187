"""Retention: the only code that deletes media. Oldest first, per camera and per pool, never locked.

Delete order (crash safety): mark the row 'deleting' → unlink the file → delete the row. A crash
between the steps leaves a 'deleting' row that repair finishes.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from vms.core.bus import Bus, SegmentsDeleted
from vms.core.clock import Clock
from vms.core.ids import CameraId
from vms.storage.index import COMPLETE, SegmentIndex, SegmentRow
from vms.storage.layout import segment_dirs
from vms.storage.locks import EvidenceLock, EvidenceLocks
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.retention_marks import RetentionMarks

log = logging.getLogger(__name__)

DAY_MS = 86_400_000


class DeleteReason(StrEnum):
    AGE = "age"
    BYTES = "bytes"
    FREE_SPACE = "free_space"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Per camera: keep at most `max_age_days` days and `max_bytes` bytes (None: no limit)."""

    max_age_days: int | None = None
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class CameraDeletion:
    camera_id: CameraId
    reason: DeleteReason
    count: int
    size_bytes: int


@dataclass(frozen=True, slots=True)
class RetentionReport:
    deletions: tuple[CameraDeletion, ...]
    locked_skipped: int  # segments retention wanted to delete but a lock holds
    failed: int  # deletes that could not finish (left 'deleting' for repair, or pool missing)
    pools_below_floor: tuple[str, ...]  # still below the floor after the run

    @property
    def deleted_segments(self) -> int:
        return sum(d.count for d in self.deletions)

    @property
    def deleted_bytes(self) -> int:
        return sum(d.size_bytes for d in self.deletions)


@dataclass(frozen=True, slots=True)
class RetentionStats:
    deleted_segments_total: dict[str, int]  # by reason
    deleted_bytes_total: dict[str, int]  # by reason
    runs_total: int


def delete_segment(index: SegmentIndex, pool: StoragePool | None, row: SegmentRow) -> bool:
    """Delete one segment in the crash-safe order; True when file and row are both gone."""
    if pool is None:
        return False
    if row.state == COMPLETE and not index.mark_deleting(row.id):
        return False
    relpath = PurePosixPath(row.path)
    try:
        (pool.root / relpath).unlink(missing_ok=True)
    except OSError as exc:
        log.error("cannot delete %s:%s: %s (left for repair)", pool.name, row.path, exc)
        return False
    for folder in segment_dirs(relpath):
        try:
            (pool.root / folder).rmdir()
        except OSError:
            break  # not empty (or already gone): stop climbing
    index.delete_row(row.id)
    return True


class _Run:
    """Book-keeping of one run_once."""

    def __init__(self, locks: list[EvidenceLock], now_ms: int) -> None:
        self.now_ms = now_ms
        self.locks: dict[CameraId, list[EvidenceLock]] = defaultdict(list)
        for lock in locks:
            self.locks[lock.camera_id].append(lock)
        self.freed: dict[tuple[CameraId, DeleteReason], list[int]] = defaultdict(lambda: [0, 0])
        self.locked_skipped = 0
        self.failed = 0
        self.deleted_until: dict[CameraId, int] = {}

    def locked(self, row: SegmentRow) -> bool:
        return any(
            lock.holds(row.camera_id, row.start_ms, row.end_ms, self.now_ms)
            for lock in self.locks.get(row.camera_id, ())
        )


class Retention:
    def __init__(
        self,
        index: SegmentIndex,
        locks: EvidenceLocks,
        pools: StoragePools,
        *,
        clock: Clock,
        bus: Bus,
        policies: Callable[[], dict[CameraId, RetentionPolicy]],
        free_space_floor_bytes: int,
        default_policy: RetentionPolicy | None = None,
        emergency_factor: float = 2.0,
        marks: RetentionMarks | None = None,
    ) -> None:
        """`default_policy` applies to cameras with segments but no policy (removed cameras);
        `marks` records how far each camera's recordings were deleted (timeline gap causes)."""
        self._marks = marks
        self._index = index
        self._locks = locks
        self._pools = pools
        self._clock = clock
        self._bus = bus
        self._policies = policies
        self._floor_bytes = free_space_floor_bytes
        self._default = default_policy
        self._emergency_factor = emergency_factor
        self._run_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._segments_total: dict[str, int] = defaultdict(int)
        self._bytes_total: dict[str, int] = defaultdict(int)
        self._runs = 0

    def run_once(self, *, emergency: bool = False) -> RetentionReport:
        """One pass. `emergency` (a recorder hit a full disk): free up to factor × the floor."""
        with self._run_lock:
            now_ms = self._clock.now_ms()
            run = _Run(self._locks.active(now_ms), now_ms)
            policies = dict(self._policies())
            if self._default is not None:
                for cam in self._index.camera_totals():
                    policies.setdefault(cam, self._default)
            for cam, policy in sorted(policies.items()):
                self._by_age(run, cam, policy)
                self._by_bytes(run, cam, policy)
            below = self._by_free_space(run, emergency)
            return self._finish(run, below)

    def _delete_rows(
        self, run: _Run, rows: Iterable[SegmentRow], reason: DeleteReason, want: Callable[[], bool]
    ) -> None:
        for row in rows:
            if not want():
                return
            if run.locked(row):
                run.locked_skipped += 1
                continue
            if delete_segment(self._index, self._pools.get(row.pool), row):
                freed = run.freed[(row.camera_id, reason)]
                freed[0] += 1
                freed[1] += row.size_bytes
                until = run.deleted_until.get(row.camera_id, row.end_ms)
                run.deleted_until[row.camera_id] = max(until, row.end_ms)
            else:
                run.failed += 1

    def _by_age(self, run: _Run, cam: CameraId, policy: RetentionPolicy) -> None:
        if policy.max_age_days is None:
            return
        cutoff_ms = run.now_ms - policy.max_age_days * DAY_MS
        rows = (r for r in self._index.oldest(camera_id=cam, before_ms=cutoff_ms))
        self._delete_rows(run, (r for r in rows if r.end_ms <= cutoff_ms), DeleteReason.AGE, _yes)

    def _by_bytes(self, run: _Run, cam: CameraId, policy: RetentionPolicy) -> None:
        if policy.max_bytes is None:
            return
        totals = self._index.camera_totals().get(cam)
        if totals is None or totals.size_bytes <= policy.max_bytes:
            return
        excess = [totals.size_bytes - policy.max_bytes]

        def rows() -> Iterable[SegmentRow]:
            for row in self._index.oldest(camera_id=cam):
                yield row
                if not run.locked(row):
                    excess[0] -= row.size_bytes

        self._delete_rows(run, rows(), DeleteReason.BYTES, lambda: excess[0] > 0)

    def _by_free_space(self, run: _Run, emergency: bool) -> tuple[str, ...]:
        factor = self._emergency_factor if emergency else 1.0
        target_bytes = int(self._floor_bytes * factor)
        reason = DeleteReason.EMERGENCY if emergency else DeleteReason.FREE_SPACE
        below: list[str] = []
        for pool in self._pools:
            if not pool.root.is_dir():
                continue

            def short(pool: StoragePool = pool) -> bool:
                return pool.disk_usage().free_bytes < target_bytes

            if short():
                self._delete_rows(run, self._index.oldest(pool=pool.name), reason, short)
            if pool.disk_usage().free_bytes < self._floor_bytes:
                below.append(pool.name)
                log.warning("pool %s is below its free-space floor after retention", pool.name)
        return tuple(below)

    def _finish(self, run: _Run, below: tuple[str, ...]) -> RetentionReport:
        deletions = tuple(
            CameraDeletion(cam, reason, count, size)
            for (cam, reason), (count, size) in sorted(run.freed.items())
        )
        if self._marks is not None and run.deleted_until:
            self._marks.advance(run.deleted_until)
        with self._stats_lock:
            self._runs += 1
            for d in deletions:
                self._segments_total[d.reason] += d.count
                self._bytes_total[d.reason] += d.size_bytes
        for d in deletions:
            log.info(
                "retention deleted %d segments (%d bytes) of %s: %s",
                d.count,
                d.size_bytes,
                d.camera_id,
                d.reason,
            )
            self._bus.publish(SegmentsDeleted(d.camera_id, d.count, d.size_bytes, str(d.reason)))
        return RetentionReport(deletions, run.locked_skipped, run.failed, below)

    def stats(self) -> RetentionStats:
        with self._stats_lock:
            return RetentionStats(dict(self._segments_total), dict(self._bytes_total), self._runs)


def _yes() -> bool:
    return True
