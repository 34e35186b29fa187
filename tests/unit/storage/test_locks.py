"""Evidence locks: overlap, expiry, add/remove/list."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from vms.core.clock import FakeClock
from vms.core.errors import InvalidInputError, NotFoundError
from vms.core.ids import CameraId
from vms.storage.locks import EvidenceLocks, LockReason

db_engine = postgres.db_engine
CAM = CameraId("cam1")


def test_is_locked_by_overlap_and_expiry(db_engine: Engine) -> None:
    clock = FakeClock(start_ms=5_000)
    locks = EvidenceLocks(db_engine, clock)
    locks.add(CAM, 1_000, 2_000, LockReason.EVENT, expires_ms=10_000)
    locks.add(CAM, 5_000, 6_000, LockReason.LEGAL_HOLD)
    assert locks.is_locked(CAM, 1_500, 1_600, now_ms=5_000)
    assert locks.is_locked(CAM, 0, 1_001, now_ms=5_000)
    assert not locks.is_locked(CAM, 0, 1_000, now_ms=5_000)  # ranges are half-open
    assert not locks.is_locked(CAM, 2_000, 3_000, now_ms=5_000)
    assert not locks.is_locked(CameraId("cam2"), 1_500, 1_600, now_ms=5_000)
    assert not locks.is_locked(CAM, 1_500, 1_600, now_ms=10_000)  # expired
    assert locks.is_locked(CAM, 5_500, 5_501, now_ms=10**15)  # legal hold never expires
    assert [lock.reason for lock in locks.active(10_000)] == [LockReason.LEGAL_HOLD]


def test_add_list_remove(db_engine: Engine) -> None:
    locks = EvidenceLocks(db_engine, FakeClock(start_ms=42))
    lock = locks.add(CAM, 1, 2, LockReason.EXPORT)
    other = locks.add(CameraId("cam2"), 1, 2, LockReason.EVENT)
    assert lock.created_ms == 42
    assert locks.list() == [lock, other]
    assert locks.list(CAM) == [lock]
    locks.remove(lock.id)
    assert locks.list() == [other]
    with pytest.raises(NotFoundError):
        locks.remove(lock.id)
    with pytest.raises(InvalidInputError):
        locks.add(CAM, 5, 5, LockReason.EVENT)
    assert other.holds(CameraId("cam2"), 0, 5, now_ms=0)


def test_remove_all_of_one_reason(db_engine: Engine) -> None:
    locks = EvidenceLocks(db_engine, FakeClock(start_ms=42))
    locks.add(CAM, 1, 2, LockReason.EXPORT)
    locks.add(CameraId("cam2"), 3, 4, LockReason.EXPORT)
    kept = locks.add(CAM, 1, 2, LockReason.LEGAL_HOLD)
    assert locks.remove_all(LockReason.EXPORT) == 2
    assert locks.list() == [kept]
    assert locks.remove_all(LockReason.EXPORT) == 0
