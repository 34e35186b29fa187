"""Evidence locks: camera time ranges that retention must keep (event, export, legal hold)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, Engine, Table, delete, exists, insert, or_, select

from vms.core.clock import Clock
from vms.core.errors import InvalidInputError, NotFoundError
from vms.core.ids import CameraId
from vms.db.tables import EvidenceLockTable

_T = cast(Table, EvidenceLockTable.__table__)
_C = _T.c


class LockReason(StrEnum):
    EVENT = "event"
    EXPORT = "export"
    LEGAL_HOLD = "legal_hold"


@dataclass(frozen=True, slots=True)
class EvidenceLock:
    id: int
    camera_id: CameraId
    start_ms: int
    end_ms: int
    reason: LockReason
    created_ms: int
    expires_ms: int | None

    def holds(self, camera_id: CameraId, start_ms: int, end_ms: int, now_ms: int) -> bool:
        """True when this lock, still in force at `now_ms`, overlaps the given range."""
        return (
            self.camera_id == camera_id
            and (self.expires_ms is None or self.expires_ms > now_ms)
            and self.start_ms < end_ms
            and self.end_ms > start_ms
        )


def _lock(r: Any) -> EvidenceLock:
    m = r._mapping
    return EvidenceLock(
        id=int(m["id"]),
        camera_id=CameraId(m["camera_id"]),
        start_ms=m["start_ms"],
        end_ms=m["end_ms"],
        reason=LockReason(m["reason"]),
        created_ms=m["created_ms"],
        expires_ms=m["expires_ms"],
    )


def _in_force(now_ms: int) -> ColumnElement[bool]:
    return or_(_C.expires_ms.is_(None), _C.expires_ms > now_ms)


class EvidenceLocks:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def add(
        self,
        camera_id: CameraId,
        start_ms: int,
        end_ms: int,
        reason: LockReason,
        *,
        expires_ms: int | None = None,
    ) -> EvidenceLock:
        if end_ms <= start_ms:
            raise InvalidInputError(f"lock range is empty: {start_ms}..{end_ms}")
        now_ms = self._clock.now_ms()
        values = {
            "camera_id": camera_id,
            "start_ms": start_ms,
            "end_ms": end_ms,
            "reason": str(LockReason(reason)),
            "created_ms": now_ms,
            "expires_ms": expires_ms,
        }
        with self._engine.begin() as conn:
            new_id = conn.execute(insert(_T).values(**values).returning(_C.id)).scalar_one()
        return EvidenceLock(
            int(new_id), camera_id, start_ms, end_ms, LockReason(reason), now_ms, expires_ms
        )

    def remove(self, lock_id: int) -> None:
        with self._engine.begin() as conn:
            if conn.execute(delete(_T).where(_C.id == lock_id)).rowcount == 0:
                raise NotFoundError(f"evidence lock {lock_id} does not exist")

    def remove_all(self, reason: LockReason) -> int:
        """Remove every lock of one reason (exports left by a crash); returns how many."""
        with self._engine.begin() as conn:
            return int(conn.execute(delete(_T).where(_C.reason == str(reason))).rowcount or 0)

    def list(self, camera_id: CameraId | None = None) -> builtins.list[EvidenceLock]:
        stmt = select(_T).order_by(_C.camera_id, _C.start_ms, _C.id)
        if camera_id is not None:
            stmt = stmt.where(_C.camera_id == camera_id)
        with self._engine.connect() as conn:
            return [_lock(r) for r in conn.execute(stmt)]

    def active(self, now_ms: int) -> builtins.list[EvidenceLock]:
        """Locks still in force (retention loads them once per run)."""
        stmt = select(_T).where(_in_force(now_ms)).order_by(_C.camera_id, _C.start_ms)
        with self._engine.connect() as conn:
            return [_lock(r) for r in conn.execute(stmt)]

    def is_locked(self, camera_id: CameraId, start_ms: int, end_ms: int, now_ms: int) -> bool:
        """True when a lock in force at `now_ms` overlaps [start_ms, end_ms) of the camera."""
        stmt = select(
            exists().where(
                _C.camera_id == camera_id,
                _C.start_ms < end_ms,
                _C.end_ms > start_ms,
                _in_force(now_ms),
            )
        )
        with self._engine.connect() as conn:
            return bool(conn.execute(stmt).scalar_one())
