"""Retention marks: per camera, the latest end of a segment retention deleted (timeline causes)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from vms.core.ids import CameraId
from vms.db.tables import RetentionMarkTable

_T = cast(Table, RetentionMarkTable.__table__)
_C = _T.c


class RetentionMarks:
    """One row per camera, moved forward once per retention pass that deleted something."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def advance(self, marks: dict[CameraId, int]) -> None:
        with self._engine.begin() as conn:
            for camera, until_ms in marks.items():
                moved = conn.execute(
                    update(_T)
                    .where(_C.camera_id == camera, _C.deleted_until_ms < until_ms)
                    .values(deleted_until_ms=until_ms)
                ).rowcount
                if moved == 0:
                    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
                    conn.execute(
                        dialect.insert(_T)
                        .values(camera_id=camera, deleted_until_ms=until_ms)
                        .on_conflict_do_nothing()
                    )

    def get(self, camera: CameraId) -> int | None:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(_C.deleted_until_ms).where(_C.camera_id == camera)
            ).scalar_one_or_none()
        return None if value is None else int(value)
