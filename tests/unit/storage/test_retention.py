"""Retention deletes exactly what its rules say, oldest first, never a locked segment."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.unit.storage.helpers import MINUTE_MS, T0_MS, FakeDisk, add_with_file, record
from vms.core.bus import Bus, SegmentsDeleted
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.core.scheduler import Scheduler
from vms.storage.index import DELETING, SegmentIndex
from vms.storage.locks import EvidenceLocks, LockReason
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.repair import repair_index
from vms.storage.retention import DAY_MS, DeleteReason, Retention, RetentionPolicy
from vms.storage.retention_job import RetentionJob

db_engine = postgres.db_engine
CAM1 = CameraId("cam1")
CAM2 = CameraId("cam2")


@dataclass
class World:
    index: SegmentIndex
    locks: EvidenceLocks
    pool: StoragePool
    clock: FakeClock
    bus: Bus
    disk: FakeDisk
    policies: dict[CameraId, RetentionPolicy] = field(default_factory=dict)
    published: list[SegmentsDeleted] = field(default_factory=list)

    def retention(
        self, floor_bytes: int = 0, default_policy: RetentionPolicy | None = None
    ) -> Retention:
        return Retention(
            self.index,
            self.locks,
            StoragePools([self.pool]),
            clock=self.clock,
            bus=self.bus,
            policies=lambda: self.policies,
            free_space_floor_bytes=floor_bytes,
            default_policy=default_policy,
        )

    def minutes(self, cam: CameraId) -> list[int]:
        return [(r.start_ms - T0_MS) // MINUTE_MS for r in self.index.oldest(camera_id=cam)]


@pytest.fixture
def world(db_engine: Engine, tmp_path: Path) -> World:
    clock = FakeClock(start_ms=T0_MS + 10 * DAY_MS)
    disk = FakeDisk(100_000)
    pool = StoragePool("p1", tmp_path / "p1", disk_usage=disk)
    pool.root.mkdir()
    w = World(SegmentIndex(db_engine), EvidenceLocks(db_engine, clock), pool, clock, Bus(), disk)
    w.bus.subscribe(SegmentsDeleted, w.published.append)
    for i in range(10):  # cam1: one segment per minute from T0; cam2: every minute from T0 + 30 s
        add_with_file(w.index, pool, record("cam1", T0_MS + i * MINUTE_MS, size_bytes=1000))
        add_with_file(w.index, pool, record("cam2", T0_MS + i * MINUTE_MS + 30_000, size_bytes=500))
    return w


def test_nothing_is_deleted_without_a_rule(world: World) -> None:
    report = world.retention().run_once()
    assert report.deleted_segments == 0
    assert world.published == []


def test_age_rule_deletes_only_segments_entirely_older(world: World) -> None:
    # now = T0 + 10 days + 3.5 minutes; keeping 10 days puts the cutoff at T0 + 3.5 min
    world.clock.advance(3.5 * 60)
    world.policies[CAM1] = RetentionPolicy(max_age_days=10)
    report = world.retention().run_once()
    assert world.minutes(CAM1) == [3, 4, 5, 6, 7, 8, 9]  # [3, 4) min is not entirely older
    assert len(world.minutes(CAM2)) == 10
    assert [(d.camera_id, d.reason, d.count, d.size_bytes) for d in report.deletions] == [
        (CAM1, DeleteReason.AGE, 3, 3000)
    ]
    assert world.published == [SegmentsDeleted(CAM1, 3, 3000, "age")]
    assert not (world.pool.root / record("cam1", T0_MS).path).exists()


def test_bytes_rule_keeps_the_newest_within_the_budget(world: World) -> None:
    world.policies[CAM2] = RetentionPolicy(max_bytes=2_600)
    report = world.retention().run_once()
    assert world.minutes(CAM2) == [5, 6, 7, 8, 9]  # 5 x 500 bytes <= 2600
    assert report.deleted_bytes == 2_500
    assert world.retention().stats().deleted_bytes_total == {}  # stats are per instance
    retention = world.retention()
    world.policies[CAM2] = RetentionPolicy(max_bytes=0)
    retention.run_once()
    assert retention.stats().deleted_segments_total == {"bytes": 5}


def test_free_space_floor_deletes_oldest_across_cameras(world: World) -> None:
    world.disk.capacity_bytes = 15_000 + 3_000  # 15 000 used: 3 000 free
    report = world.retention(floor_bytes=5_000).run_once()
    # oldest first over both cameras: c1@0, c2@0.5, c1@1 free 2 500 -> 5 500 free
    assert world.minutes(CAM1) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert world.minutes(CAM2) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert {(d.camera_id, d.count) for d in report.deletions} == {(CAM1, 2), (CAM2, 1)}
    assert report.pools_below_floor == ()


def test_emergency_frees_beyond_the_floor(world: World) -> None:
    world.disk.capacity_bytes = 15_000
    report = world.retention(floor_bytes=2_000).run_once(emergency=True)
    assert world.pool.disk_usage().free_bytes >= 4_000
    assert all(d.reason is DeleteReason.EMERGENCY for d in report.deletions)
    assert report.deleted_bytes == 4_000  # c1@0, c2@0.5, c1@1, c2@1.5, c1@2


def test_locked_segments_are_never_deleted(world: World) -> None:
    world.locks.add(CAM1, T0_MS + 90_000, T0_MS + 150_000, LockReason.EVENT)  # minutes 1 and 2
    world.locks.add(CAM1, T0_MS, T0_MS + 1, LockReason.EXPORT, expires_ms=T0_MS)  # expired
    world.policies[CAM1] = RetentionPolicy(max_age_days=0, max_bytes=0)
    world.disk.capacity_bytes = 15_000
    report = world.retention(floor_bytes=10**9).run_once()
    assert world.minutes(CAM1) == [1, 2]
    assert world.minutes(CAM2) == []
    assert report.locked_skipped >= 2
    assert report.pools_below_floor == ("p1",)


def test_removed_cameras_fall_under_the_default_policy(world: World) -> None:
    world.policies[CAM1] = RetentionPolicy()
    world.retention(default_policy=RetentionPolicy(max_bytes=1_000)).run_once()
    assert len(world.minutes(CAM1)) == 10
    assert world.minutes(CAM2) == [8, 9]


def test_empty_hour_and_day_folders_are_removed(world: World) -> None:
    world.policies[CAM1] = RetentionPolicy(max_bytes=0)
    world.policies[CAM2] = RetentionPolicy(max_bytes=0)
    world.retention().run_once()
    assert sorted(p.name for p in world.pool.root.rglob("*")) == ["cam1", "cam2", "main", "main"]


def test_crash_between_mark_and_unlink_is_finished_by_repair(world: World) -> None:
    """Delete order: the row is marked first, so a crash leaves a row that repair completes."""
    row = next(world.index.oldest(camera_id=CAM1))
    assert world.index.mark_deleting(row.id)  # ...and the process dies here
    assert (world.pool.root / row.path).exists()
    assert world.index.query(CAM1, None, row.start_ms, row.end_ms) == []  # hidden already
    report = repair_index(world.index, StoragePools([world.pool]))
    assert report.deletes_finished == [f"p1:{row.path}"]
    assert not (world.pool.root / row.path).exists()
    assert world.index.get(row.id) is None
    assert world.index.rows_in_state(DELETING) == []


def test_crash_between_unlink_and_row_delete_is_finished_by_repair(world: World) -> None:
    row = next(world.index.oldest(camera_id=CAM2))
    world.index.mark_deleting(row.id)
    (world.pool.root / row.path).unlink()  # ...and the process dies here
    report = repair_index(world.index, StoragePools([world.pool]))
    assert report.deletes_finished == [f"p1:{row.path}"]
    assert world.index.get(row.id) is None
    assert repair_index(world.index, StoragePools([world.pool])).changed is False


def test_job_runs_a_normal_pass_then_an_emergency_one_after_a_storage_error(
    world: World,
) -> None:
    world.disk.capacity_bytes = 15_000  # nothing free
    job = RetentionJob(world.retention(floor_bytes=2_000), interval_s=3600)
    job.run()
    assert {d.reason for d in world.published} == {DeleteReason.FREE_SPACE}
    world.published.clear()
    job.on_storage_error("disk full")  # from a recorder's thread in the app
    job.run()
    assert {d.reason for d in world.published} == {DeleteReason.EMERGENCY}
    world.published.clear()
    world.disk.capacity_bytes -= 3_500  # usage grew again: below the floor
    job.run()  # the emergency was served once: this pass is a normal one
    assert {d.reason for d in world.published} == {DeleteReason.FREE_SPACE}


async def test_a_storage_error_wakes_the_scheduled_job(world: World) -> None:
    world.policies[CAM1] = RetentionPolicy(max_bytes=0)
    job = RetentionJob(world.retention(), interval_s=3600)
    scheduler = Scheduler()
    await scheduler.start_job(job.job)  # runs at once, then waits an hour
    await _until(lambda: job.job.runs == 1)
    job.on_storage_error("disk full")
    await _until(lambda: job.job.runs == 2)  # long before the hour is up
    await scheduler.stop_job(job.job)
    assert job.job.failures == 0
    assert world.minutes(CAM1) == []


async def _until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
