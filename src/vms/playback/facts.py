"""Facts behind timeline gap causes: camera stream outages and the intervals VMS ran.

Writes are cheap: one row per outage (opened and closed on state changes from the bus) and one
row per VMS process, whose `last_seen_ms` a heartbeat moves every `interval_s`.
"""

from __future__ import annotations

import logging
import threading
from typing import cast

from sqlalchemy import Engine, Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from vms.core.bus import SourceHealthChanged
from vms.core.clock import Clock
from vms.core.ids import CameraId, StreamName
from vms.db.tables import SourceOutageTable, VmsRunTable
from vms.playback.timeline import Span

log = logging.getLogger(__name__)

_O = cast(Table, SourceOutageTable.__table__)
_R = cast(Table, VmsRunTable.__table__)
OUTAGE_STATES = frozenset({"reconnecting", "failed"})
HEALTHY_STATES = frozenset({"streaming", "degraded", "stopped", "idle"})


class OutageRecorder:
    """Bus handler: opens an outage row when a stream is lost, closes it when packets flow."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()

    def on_health(self, message: SourceHealthChanged) -> None:
        try:
            if message.state in OUTAGE_STATES:
                self._open(message)
            elif message.state in HEALTHY_STATES:
                self._close(message.camera_id, message.stream)
        except SQLAlchemyError as exc:  # a lost fact must not disturb the camera thread
            log.warning("cannot record outage of %s: %s", message.camera_id, exc)

    def _open(self, message: SourceHealthChanged) -> None:
        with self._lock, self._engine.begin() as conn:
            exists = conn.execute(
                select(_O.c.id).where(
                    _O.c.camera_id == message.camera_id,
                    _O.c.stream == str(message.stream),
                    _O.c.end_ms.is_(None),
                )
            ).first()
            if exists is None:
                conn.execute(
                    insert(_O).values(
                        camera_id=message.camera_id,
                        stream=str(message.stream),
                        start_ms=self._clock.now_ms(),
                        end_ms=None,
                        reason=message.error,
                    )
                )

    def _close(self, camera: CameraId, stream: StreamName) -> None:
        with self._lock, self._engine.begin() as conn:
            conn.execute(
                update(_O)
                .where(_O.c.camera_id == camera, _O.c.stream == str(stream), _O.c.end_ms.is_(None))
                .values(end_ms=self._clock.now_ms())
            )

    def close_dangling(self, end_ms: int) -> None:
        """At start: outages left open by a stopped or crashed VMS end when it was last seen."""
        with self._lock, self._engine.begin() as conn:
            conn.execute(update(_O).where(_O.c.end_ms.is_(None)).values(end_ms=end_ms))


class RunHeartbeat:
    """The interval this VMS process runs, kept in `vms_runs`."""

    def __init__(self, engine: Engine, clock: Clock, version: str) -> None:
        self._engine = engine
        self._clock = clock
        self._version = version
        self._run_id: int | None = None
        self.started_ms: int | None = None  # this run's start, once `begin` has run

    def last_seen_ms(self) -> int | None:
        with self._engine.connect() as conn:
            value = conn.execute(select(_R.c.last_seen_ms).order_by(_R.c.id.desc())).first()
        return None if value is None else int(value[0])

    def begin(self) -> None:
        now_ms = self._clock.now_ms()
        self.started_ms = now_ms
        with self._engine.begin() as conn:
            self._run_id = int(
                conn.execute(
                    insert(_R)
                    .values(started_ms=now_ms, last_seen_ms=now_ms, version=self._version)
                    .returning(_R.c.id)
                ).scalar_one()
            )

    def current(self) -> Span | None:
        """This run so far: it lasts until now, whatever its row's last heartbeat says (up to a
        heartbeat interval behind), so the time since that heartbeat is never "VMS down"."""
        if self.started_ms is None:
            return None
        return Span(self.started_ms, max(self.started_ms, self._clock.now_ms()))

    def beat(self) -> None:
        if self._run_id is None:
            return
        with self._engine.begin() as conn:
            conn.execute(
                update(_R).where(_R.c.id == self._run_id).values(last_seen_ms=self._clock.now_ms())
            )


def outages(
    engine: Engine,
    camera: CameraId,
    stream: StreamName,
    *,
    start_ms: int,
    end_ms: int,
    now_ms: int,
) -> list[Span]:
    """Outages of a camera stream overlapping the range (an open one lasts until now)."""
    stmt = select(_O.c.start_ms, _O.c.end_ms).where(
        _O.c.camera_id == camera,
        _O.c.stream == str(stream),
        _O.c.start_ms < end_ms,
        (_O.c.end_ms.is_(None)) | (_O.c.end_ms > start_ms),
    )
    with engine.connect() as conn:
        return [Span(int(a), int(b) if b is not None else now_ms) for a, b in conn.execute(stmt)]


def runs(engine: Engine, start_ms: int, end_ms: int) -> list[Span]:
    """VMS run intervals overlapping the range."""
    stmt = select(_R.c.started_ms, _R.c.last_seen_ms).where(
        _R.c.started_ms < end_ms, _R.c.last_seen_ms > start_ms
    )
    with engine.connect() as conn:
        return [Span(int(a), int(b)) for a, b in conn.execute(stmt)]
