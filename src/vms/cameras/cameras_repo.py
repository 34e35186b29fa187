"""Camera rows: typed add/get/list/update/delete over the `cameras` table."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from vms.core.clock import Clock
from vms.core.errors import ConflictError, InvalidInputError, NotFoundError
from vms.core.ids import CameraId, StreamName, camera_id
from vms.db.tables import CameraTable

_TRANSPORTS = ("tcp", "udp")


@dataclass(frozen=True, slots=True)
class CameraRow:
    """One configured camera. `password` is a secret: never log it or return it from the API."""

    id: CameraId
    name: str
    main_url: str
    sub_url: str | None = None
    username: str | None = None
    password: str | None = None
    transport: str = "tcp"
    enabled: bool = True
    record_enabled: bool = True
    record_stream: StreamName = StreamName.MAIN
    retention_days: int | None = None
    retention_max_bytes: int | None = None
    motion_enabled: bool = False
    recording_mode: str = "continuous"
    pre_roll_s: float = 5.0
    post_roll_s: float = 10.0
    event_retention_days: int = 30
    detect: str | None = None  # None: analytics.detect_default
    created_ms: int = 0
    updated_ms: int = 0

    def __repr__(self) -> str:  # keep the password out of logs and tracebacks
        def show(name: str) -> str:
            value = getattr(self, name)
            return "'***'" if name == "password" and value else repr(value)

        shown = ", ".join(f"{f.name}={show(f.name)}" for f in fields(self))
        return f"CameraRow({shown})"


def _validate(row: CameraRow) -> None:
    try:
        camera_id(row.id)
        StreamName(row.record_stream)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    if row.transport not in _TRANSPORTS:
        raise InvalidInputError(f"transport must be 'tcp' or 'udp', not {row.transport!r}")
    if row.retention_days is not None and row.retention_days < 0:
        raise InvalidInputError("retention_days must be >= 0")
    if row.retention_max_bytes is not None and row.retention_max_bytes < 0:
        raise InvalidInputError("retention_max_bytes must be >= 0")


def _values(row: CameraRow) -> dict[str, Any]:
    values = {f.name: getattr(row, f.name) for f in fields(row)}
    values["record_stream"] = str(row.record_stream)
    return values


def _row(mapping: Any) -> CameraRow:
    values = dict(mapping)
    values["id"] = CameraId(values["id"])
    values["record_stream"] = StreamName(values["record_stream"])
    return CameraRow(**values)


class CamerasRepo:
    """Camera CRUD; times come from the injected clock."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, row: CameraRow) -> CameraRow:
        _validate(row)
        now_ms = self._clock.now_ms()
        stored = replace(row, created_ms=now_ms, updated_ms=now_ms)
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(CameraTable).values(**_values(stored)))
        except IntegrityError as exc:
            raise ConflictError(f"camera {row.id!r} already exists") from exc
        return stored

    def get(self, cam: CameraId) -> CameraRow:
        with self._engine.connect() as conn:
            found = conn.execute(select(CameraTable.__table__).where(CameraTable.id == cam)).first()
        if found is None:
            raise NotFoundError(f"camera {cam!r} does not exist")
        return _row(found._mapping)

    def list(self) -> builtins.list[CameraRow]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(CameraTable.__table__).order_by(CameraTable.id)).all()
        return [_row(r._mapping) for r in rows]

    def update(self, row: CameraRow) -> CameraRow:
        """Replace a camera's settings (all fields but id and created_ms)."""
        _validate(row)
        current = self.get(row.id)
        stored = replace(row, created_ms=current.created_ms, updated_ms=self._clock.now_ms())
        values = _values(stored)
        del values["id"]
        with self._engine.begin() as conn:
            conn.execute(update(CameraTable).where(CameraTable.id == row.id).values(**values))
        return stored

    def delete(self, cam: CameraId) -> None:
        """Remove a camera; its recordings stay until retention removes them."""
        with self._engine.begin() as conn:
            result = conn.execute(delete(CameraTable).where(CameraTable.id == cam))
        if result.rowcount == 0:
            raise NotFoundError(f"camera {cam!r} does not exist")
