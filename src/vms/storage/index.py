"""Segment index: one row per segment file, the fast path for playback, retention and metrics.

A synchronous API over SQLAlchemy Core (the recorder and retention call it from threads; async code
wraps calls in asyncio.to_thread). Queries are shaped for the (camera_id, stream, start_ms),
(camera_id, start_ms) and (start_ms) indexes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Engine, Table, and_, delete, func, insert, or_, select, update

from vms.core.ids import CameraId, SegmentId, StreamName
from vms.db.tables import SegmentFragmentsTable, SegmentTable

COMPLETE = "complete"
DELETING = "deleting"

_T = cast(Table, SegmentTable.__table__)
_C = _T.c
_FRAGMENTS = cast(Table, SegmentFragmentsTable.__table__)


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """What the writer of a segment knows about it; `path` is relative to the pool root."""

    camera_id: CameraId
    stream: StreamName
    start_ms: int
    duration_ms: int
    size_bytes: int
    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int
    path: str
    pool: str
    frames: int

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """An indexed segment."""

    id: SegmentId
    camera_id: CameraId
    stream: StreamName
    start_ms: int
    end_ms: int
    duration_ms: int
    size_bytes: int
    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int
    path: str
    pool: str
    state: str
    frames: int


@dataclass(frozen=True, slots=True)
class CameraTotals:
    count: int
    size_bytes: int
    oldest_start_ms: int


def _row(r: Any) -> SegmentRow:
    m = r._mapping
    return SegmentRow(
        id=SegmentId(m["id"]),
        camera_id=CameraId(m["camera_id"]),
        stream=StreamName(m["stream"]),
        start_ms=m["start_ms"],
        end_ms=m["end_ms"],
        duration_ms=m["duration_ms"],
        size_bytes=m["size_bytes"],
        video_codec=m["video_codec"],
        audio_codec=m["audio_codec"],
        width=m["width"],
        height=m["height"],
        path=m["path"],
        pool=m["pool"],
        state=m["state"],
        frames=m["frames"],
    )


class SegmentIndex:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, record: SegmentRecord) -> SegmentId:
        values = {
            "camera_id": record.camera_id,
            "stream": str(record.stream),
            "start_ms": record.start_ms,
            "end_ms": record.end_ms,
            "duration_ms": record.duration_ms,
            "size_bytes": record.size_bytes,
            "video_codec": record.video_codec,
            "audio_codec": record.audio_codec,
            "width": record.width,
            "height": record.height,
            "path": record.path,
            "pool": record.pool,
            "state": COMPLETE,
            "frames": record.frames,
        }
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(_T).values(**values).returning(_C.id)).scalar_one()
        return SegmentId(int(new_id))

    def get(self, segment_id: SegmentId) -> SegmentRow | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(_T).where(_C.id == segment_id)).first()
        return None if found is None else _row(found)

    def get_by_path(self, pool: str, path: str) -> SegmentRow | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(_T).where(_C.path == path, _C.pool == pool)).first()
        return None if found is None else _row(found)

    def query(
        self,
        camera_id: CameraId,
        stream: StreamName | None,
        start_ms: int,
        end_ms: int,
        limit: int = 10_000,
    ) -> list[SegmentRow]:
        """Complete segments overlapping [start_ms, end_ms), ordered by start time."""
        stmt = select(_T).where(*_in_range(camera_id, stream, start_ms, end_ms))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt.order_by(_C.start_ms, _C.id).limit(limit))]

    def spans(
        self, camera_id: CameraId, stream: StreamName, start_ms: int, end_ms: int
    ) -> list[tuple[int, int]]:
        """(start_ms, end_ms) of the complete segments overlapping the range, by start time.

        The timeline needs only these two columns; a month of one camera is 43,200 rows, and
        building full rows for them would cost ten times more than the query.
        """
        stmt = select(_C.start_ms, _C.end_ms).where(*_in_range(camera_id, stream, start_ms, end_ms))
        with self.engine.connect() as conn:
            return [(a, b) for a, b in conn.execute(stmt.order_by(_C.start_ms))]

    def last_end_ms(self, camera_id: CameraId, stream: StreamName) -> int | None:
        """End of the stream's latest segment (by start): where its next segment may begin, so
        that no two segments of a stream overlap (docs/design/storage.md)."""
        stmt = (
            select(_C.end_ms)
            .where(_C.camera_id == camera_id, _C.stream == str(stream), _C.state == COMPLETE)
            .order_by(_C.start_ms.desc(), _C.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            end = conn.execute(stmt).scalar_one_or_none()
        return None if end is None else int(end)

    def camera_totals(self) -> dict[CameraId, CameraTotals]:
        """Per camera: complete segments, their bytes and the oldest start (metrics, retention)."""
        stmt = (
            select(_C.camera_id, func.count(), func.sum(_C.size_bytes), func.min(_C.start_ms))
            .where(_C.state == COMPLETE)
            .group_by(_C.camera_id)
        )
        with self.engine.connect() as conn:
            return {
                CameraId(cam): CameraTotals(int(n), int(size or 0), int(oldest))
                for cam, n, size, oldest in conn.execute(stmt)
            }

    def pool_bytes(self, pool: str) -> int:
        stmt = select(func.coalesce(func.sum(_C.size_bytes), 0)).where(_C.pool == pool)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def oldest(
        self,
        *,
        camera_id: CameraId | None = None,
        pool: str | None = None,
        before_ms: int | None = None,
        batch: int = 500,
    ) -> Iterator[SegmentRow]:
        """Complete segments oldest first (keyset-paged, so deletes while iterating are safe)."""
        scope: list[ColumnElement[bool]] = [_C.state == COMPLETE]
        if camera_id is not None:
            scope.append(_C.camera_id == camera_id)
        if pool is not None:
            scope.append(_C.pool == pool)
        if before_ms is not None:
            scope.append(_C.start_ms < before_ms)
        after: tuple[int, int] | None = None
        while True:
            stmt = select(_T).where(*scope)
            if after is not None:
                stmt = stmt.where(
                    or_(_C.start_ms > after[0], and_(_C.start_ms == after[0], _C.id > after[1]))
                )
            stmt = stmt.order_by(_C.start_ms, _C.id).limit(batch)
            with self.engine.connect() as conn:
                rows = [_row(r) for r in conn.execute(stmt)]
            yield from rows
            if len(rows) < batch:
                return
            after = (rows[-1].start_ms, rows[-1].id)

    def mark_deleting(self, segment_id: SegmentId) -> bool:
        """Step 1 of a delete; False if the row is gone or already being deleted."""
        stmt = update(_T).where(_C.id == segment_id, _C.state == COMPLETE).values(state=DELETING)
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def delete_row(self, segment_id: SegmentId) -> None:
        """Step 3 of a delete, after the file is gone (its cached fragment map goes with it)."""
        with self.engine.begin() as conn:
            conn.execute(delete(_FRAGMENTS).where(_FRAGMENTS.c.segment_id == segment_id))
            conn.execute(delete(_T).where(_C.id == segment_id))

    def rows_in_state(self, state: str) -> list[SegmentRow]:
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(select(_T).where(_C.state == state))]

    def iter_all(self, batch: int = 1000) -> Iterator[SegmentRow]:
        """Every row in id order (for repair)."""
        last = -1
        while True:
            stmt = select(_T).where(_C.id > last).order_by(_C.id).limit(batch)
            with self.engine.connect() as conn:
                rows = [_row(r) for r in conn.execute(stmt)]
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id


def _in_range(
    camera_id: CameraId, stream: StreamName | None, start_ms: int, end_ms: int
) -> list[ColumnElement[bool]]:
    """WHERE terms for complete segments overlapping [start_ms, end_ms) of a camera (stream).

    The scan starts at the last segment that began at or before `start_ms` (one index seek), so
    it reads only the rows in range instead of the camera's whole history.
    """
    scope: list[ColumnElement[bool]] = [_C.camera_id == camera_id]
    if stream is not None:
        scope.append(_C.stream == str(stream))
    lower = (
        select(func.max(_C.start_ms))
        .where(*scope, _C.start_ms <= start_ms)
        .group_by(_C.stream)
        .subquery()
    )
    floor = select(func.min(lower.c[0])).scalar_subquery()
    return [
        *scope,
        _C.state == COMPLETE,
        _C.start_ms >= func.coalesce(floor, start_ms),
        _C.start_ms < end_ms,
        _C.end_ms > start_ms,
    ]
