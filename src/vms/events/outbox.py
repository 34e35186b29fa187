"""The event outbox: one row per message a delivery target must acknowledge.

`enqueue` runs inside the transaction that stores the event, so a message exists exactly when
the event change it tells of was committed: a crash can lose neither one without the other.
A deliverer takes its target's oldest messages (`line`), sends them in order, and deletes
those the target acknowledged (`acknowledge`), or records a failure and when to try again
(`failed`); after too many tries or too long it becomes a dead letter, kept until an admin
retries or drops it. A target's messages go out strictly in the order they were written (a
failing head waits, the others wait behind it), so each camera's events arrive in order.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from vms.core.bus import EventPhase as Phase
from vms.db.event_tables import EventOutboxTable
from vms.events.messages import event_message
from vms.events.models import EventRecord

_O = EventOutboxTable


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message as stored; `payload` is the body every try sends."""

    id: int
    message_id: str
    target: str
    event_id: str
    camera_id: str
    phase: Phase
    payload: dict[str, Any]
    created_ms: int
    attempts: int
    next_attempt_ms: int
    last_error: str | None
    dead_ms: int | None


@dataclass(frozen=True, slots=True)
class Backlog:
    """A target's messages: waiting (`pending`, oldest written at `oldest_ms`) and dead."""

    pending: int
    dead: int
    oldest_ms: int | None


class Target(Protocol):
    """What the outbox needs of a delivery target (a webhook, the MQTT broker): its name and
    its filters; an empty filter takes everything."""

    @property
    def name(self) -> str: ...

    @property
    def cameras(self) -> tuple[str, ...]: ...

    @property
    def labels(self) -> tuple[str, ...]: ...

    @property
    def rules(self) -> tuple[str, ...]: ...

    @property
    def phases(self) -> tuple[Phase, ...]: ...


def wants(target: Target, record: EventRecord, phase: Phase) -> bool:
    """Whether `target`'s filters take this change of `record`."""
    return (
        phase in target.phases
        and (not target.cameras or record.camera_id in target.cameras)
        and (not target.labels or record.label in target.labels)
        and (not target.rules or record.rule in target.rules)
    )


class Outbox:
    """The outbox table for a fixed set of targets; safe to call from any thread."""

    def __init__(self, engine: Engine, targets: Sequence[Target]) -> None:
        self._engine = engine
        self.targets = tuple(targets)

    def enqueue(self, conn: Connection, record: EventRecord, phase: Phase, now_ms: int) -> int:
        """Write a message for each target that wants this change, in the caller's transaction;
        returns how many were written."""
        rows = []
        for target in self.targets:
            if not wants(target, record, phase):
                continue
            message_id = secrets.token_hex(16)
            rows.append(
                {
                    "message_id": message_id,
                    "target": target.name,
                    "event_id": record.id,
                    "camera_id": record.camera_id,
                    "phase": phase,
                    "payload": event_message(record, phase, message_id, now_ms),
                    "created_ms": now_ms,
                    "attempts": 0,
                    "next_attempt_ms": now_ms,
                }
            )
        if rows:
            conn.execute(insert(_O), rows)
        return len(rows)

    def head(self, target: str) -> OutboxMessage | None:
        """The target's oldest message still tried (due or not), or None when it has none."""
        line = self.line(target, 1)
        return line[0] if line else None

    def line(self, target: str, limit: int) -> list[OutboxMessage]:
        """The target's oldest `limit` messages still tried, oldest first (due or not)."""
        statement = (
            select(*_COLUMNS)
            .where(_O.target == target, _O.dead_ms.is_(None))
            .order_by(_O.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_message(row) for row in conn.execute(statement)]

    def acknowledge(self, row_ids: Sequence[int]) -> None:
        """The target took these messages: they are never sent again."""
        if row_ids:
            with self._engine.begin() as conn:
                conn.execute(delete(_O).where(_O.id.in_(list(row_ids))))

    def failed(self, row_id: int, error: str, *, retry_at_ms: int | None, now_ms: int) -> None:
        """A try failed: try again at `retry_at_ms`, or (None) make it a dead letter now."""
        values: dict[str, Any] = {"attempts": _O.attempts + 1, "last_error": error[:1000]}
        if retry_at_ms is None:
            values["dead_ms"] = now_ms
        else:
            values["next_attempt_ms"] = retry_at_ms
        with self._engine.begin() as conn:
            conn.execute(update(_O).where(_O.id == row_id).values(values))

    def backlog(self) -> dict[str, Backlog]:
        """Pending and dead messages per configured target (zero for a target with none)."""
        pending = _counts(select(_O.target, func.count(), func.min(_O.created_ms)), True)
        dead = _counts(select(_O.target, func.count(), func.min(_O.created_ms)), False)
        with self._engine.connect() as conn:
            waiting = {row[0]: (int(row[1]), row[2]) for row in conn.execute(pending)}
            dead_counts = {row[0]: int(row[1]) for row in conn.execute(dead)}
        return {
            target.name: Backlog(
                waiting.get(target.name, (0, None))[0],
                dead_counts.get(target.name, 0),
                waiting.get(target.name, (0, None))[1],
            )
            for target in self.targets
        }

    def dead_letters(self, target: str, limit: int = 100) -> list[OutboxMessage]:
        """The target's dead letters, oldest first."""
        statement = (
            select(*_COLUMNS)
            .where(_O.target == target, _O.dead_ms.is_not(None))
            .order_by(_O.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_message(row) for row in conn.execute(statement)]

    def retry_dead(self, target: str, now_ms: int) -> int:
        """Put the target's dead letters back in line, in their old order, tries counted
        afresh; returns how many."""
        statement = (
            update(_O)
            .where(_O.target == target, _O.dead_ms.is_not(None))
            .values(dead_ms=None, attempts=0, next_attempt_ms=now_ms)
        )
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount

    def drop_dead(self, target: str) -> int:
        """Delete the target's dead letters; returns how many."""
        statement = delete(_O).where(_O.target == target, _O.dead_ms.is_not(None))
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount

    def purge(self, before_ms: int) -> int:
        """Delete what nobody will send: dead letters that died before `before_ms` (the events'
        retention), and messages written before it for targets no longer configured (a target
        left out of the file for a while keeps its backlog); returns how many."""
        names = [target.name for target in self.targets]
        dead = _O.dead_ms.is_not(None) & (_O.dead_ms < before_ms)
        orphaned = _O.target.not_in(names) & (_O.created_ms < before_ms)
        statement = delete(_O).where(dead | orphaned)
        with self._engine.begin() as conn:
            return conn.execute(statement).rowcount


_COLUMNS = (
    _O.id,
    _O.message_id,
    _O.target,
    _O.event_id,
    _O.camera_id,
    _O.phase,
    _O.payload,
    _O.created_ms,
    _O.attempts,
    _O.next_attempt_ms,
    _O.last_error,
    _O.dead_ms,
)


def _counts(statement: Any, pending: bool) -> Any:
    alive = _O.dead_ms.is_(None) if pending else _O.dead_ms.is_not(None)
    return statement.where(alive).group_by(_O.target)


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=int(row.id),
        message_id=row.message_id,
        target=row.target,
        event_id=row.event_id,
        camera_id=row.camera_id,
        phase=row.phase,
        payload=dict(row.payload),
        created_ms=int(row.created_ms),
        attempts=int(row.attempts),
        next_attempt_ms=int(row.next_attempt_ms),
        last_error=row.last_error,
        dead_ms=None if row.dead_ms is None else int(row.dead_ms),
    )
