"""Delivery targets as the API sees them: state, backlog, dead letters, retry, drop, test.

The facade over the outbox (what waits) and the deliverer (what its loops saw), so the API has
one door for delivery. A target's `state` is a word an operator reads at a glance:
`ok` (nothing waiting, or the last try succeeded), `retrying` (the head message failed and
waits for its next try), `failing` (dead letters are waiting for an admin).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from vms.core.clock import Clock
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId
from vms.events.delivery import Deliverer, TargetStatus, TransportKind
from vms.events.messages import event_message
from vms.events.models import EventRecord
from vms.events.outbox import Backlog, Outbox, OutboxMessage

TargetState = Literal["ok", "retrying", "failing"]


@dataclass(frozen=True, slots=True)
class TargetView:
    name: str
    kind: TransportKind
    destination: str
    state: TargetState
    pending: int
    dead: int
    oldest_pending_ms: int | None
    delivered: int
    failed_tries: int
    last_success_ms: int | None
    last_error: str | None
    last_error_ms: int | None


class Delivery:
    """The events room's delivery door; the blocking methods go through `asyncio.to_thread`."""

    def __init__(self, outbox: Outbox, deliverer: Deliverer, clock: Clock) -> None:
        self._outbox = outbox
        self._deliverer = deliverer
        self._clock = clock

    @property
    def deliverer(self) -> Deliverer:
        return self._deliverer

    def targets(self) -> list[TargetView]:
        """Every configured target with its backlog. Blocking."""
        backlog = self._outbox.backlog()
        return [_view(status, backlog[status.name]) for status in self._deliverer.statuses()]

    def target(self, name: str) -> TargetView:
        """One target; NotFoundError when none has that name. Blocking."""
        status = self._known(name)
        return _view(status, self._outbox.backlog()[name])

    def dead_letters(self, name: str, limit: int) -> list[OutboxMessage]:
        self._known(name)
        return self._outbox.dead_letters(name, limit)

    def retry_dead(self, name: str) -> int:
        """Dead letters back in line (in their order); the loop sends them now. Blocking."""
        self._known(name)
        count = self._outbox.retry_dead(name, self._clock.now_ms())
        self._deliverer.wake()
        return count

    def drop_dead(self, name: str) -> int:
        self._known(name)
        return self._outbox.drop_dead(name)

    def _known(self, name: str) -> TargetStatus:
        """The configured target's status (no database read); NotFoundError otherwise."""
        status = self._deliverer.status(name)
        if status is None:
            raise NotFoundError(f"no delivery target is named {name!r}")
        return status

    def purge(self, before_ms: int) -> int:
        """Dead letters (and messages of targets no longer configured) from before `before_ms`."""
        return self._outbox.purge(before_ms)

    async def send_test(self, name: str) -> OutboxMessage:
        """Send a made-up `opened` event to the target now, outside the outbox; returns what
        was sent, raises DeliveryError with the receiver's answer."""
        self._known(name)
        now_ms = self._clock.now_ms()
        record = EventRecord(
            id="test" + secrets.token_hex(14),
            camera_id=CameraId("test"),
            label="test",
            zones=(),
            score=1.0,
            start_ms=now_ms,
            end_ms=None,
            has_snapshot=False,
        )
        message_id = secrets.token_hex(16)
        message = OutboxMessage(
            id=0,
            message_id=message_id,
            target=name,
            event_id=record.id,
            camera_id=record.camera_id,
            phase="opened",
            payload=event_message(record, "opened", message_id, now_ms),
            created_ms=now_ms,
            attempts=0,
            next_attempt_ms=now_ms,
            last_error=None,
            dead_ms=None,
        )
        await self._deliverer.send_test(name, message)
        return message


def _view(status: TargetStatus, backlog: Backlog) -> TargetView:
    if backlog.dead:
        state: TargetState = "failing"
    elif (
        backlog.pending
        and status.last_error_ms is not None
        and (status.last_success_ms is None or status.last_error_ms > status.last_success_ms)
    ):
        state = "retrying"
    else:
        state = "ok"
    return TargetView(
        name=status.name,
        kind=status.kind,
        destination=status.destination,
        state=state,
        pending=backlog.pending,
        dead=backlog.dead,
        oldest_pending_ms=backlog.oldest_ms,
        delivered=status.delivered,
        failed_tries=status.failed_tries,
        last_success_ms=status.last_success_ms,
        last_error=status.last_error,
        last_error_ms=status.last_error_ms,
    )
