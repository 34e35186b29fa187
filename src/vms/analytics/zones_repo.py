"""Typed read/replace of a camera's zones and lines over the `camera_zones` table.

Lives in the analytics room with the `Zone` it stores (ADR 0016: a repository lives in the room
that owns its data; `vms.db` keeps the tables, the engine and the migrations). A camera's list is
replaced as a whole, in one transaction, and only once it obeys every rule of
`vms.analytics.zones`.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from vms.analytics.zones import Point, Zone, ZoneKind, describe_issue, zone_issues
from vms.core.clock import Clock
from vms.core.errors import InvalidInputError, NotFoundError
from vms.core.ids import CameraId
from vms.db.tables import CameraTable, ZoneTable


class ZonesRepo:
    """A camera's zones and lines; NotFoundError for a camera that does not exist."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def list(self, camera_id: CameraId) -> builtins.list[Zone]:
        """The camera's zones and lines in the order they were saved."""
        with self._engine.connect() as conn:
            exists = conn.execute(select(CameraTable.id).where(CameraTable.id == camera_id))
            if exists.first() is None:
                raise NotFoundError(f"camera {camera_id!r} does not exist")
            rows = conn.execute(
                select(ZoneTable.name, ZoneTable.kind, ZoneTable.points)
                .where(ZoneTable.camera_id == camera_id)
                .order_by(ZoneTable.position)
            ).all()
        return [Zone(row.name, _kind(row.kind), _points(row.points)) for row in rows]

    def replace(self, camera_id: CameraId, zones: Sequence[Zone]) -> builtins.list[Zone]:
        """Store `zones` as the camera's whole list (names stripped); InvalidInputError naming
        every broken rule, NotFoundError for an unknown camera."""
        issues = zone_issues(zones)
        if issues:
            raise InvalidInputError("; ".join(describe_issue(issue) for issue in issues))
        stored = [Zone(z.name.strip(), z.kind, tuple(z.points)) for z in zones]
        now_ms = self._clock.now_ms()
        rows = [
            {
                "camera_id": camera_id,
                "name": zone.name,
                "position": position,
                "kind": zone.kind,
                "points": [[x, y] for x, y in zone.points],
                "updated_ms": now_ms,
            }
            for position, zone in enumerate(stored)
        ]
        try:
            with self._engine.begin() as conn:
                exists = conn.execute(select(CameraTable.id).where(CameraTable.id == camera_id))
                if exists.first() is None:
                    raise NotFoundError(f"camera {camera_id!r} does not exist")
                conn.execute(delete(ZoneTable).where(ZoneTable.camera_id == camera_id))
                if rows:
                    conn.execute(insert(ZoneTable), rows)
        except IntegrityError as exc:  # the camera was removed while we wrote
            raise NotFoundError(f"camera {camera_id!r} does not exist") from exc
        return stored


def _kind(value: str) -> ZoneKind:
    if value == "zone":
        return "zone"
    if value == "line":
        return "line"
    if value == "mask":
        return "mask"
    raise ValueError(f"unknown zone kind {value!r} in the database")


def _points(value: object) -> tuple[Point, ...]:
    if not isinstance(value, list):
        raise ValueError("zone points in the database are not a list")
    return tuple((float(x), float(y)) for x, y in value)
