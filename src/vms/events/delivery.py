"""The deliverer: one loop per target that empties its outbox, oldest message first.

Each loop reads the head of its target's line (up to `BATCH` messages), waits until the first
is due, sends them in order and deletes the acknowledged ones in one transaction (one read and
one write per batch, not per message). A failed try is written back with the next try's time
(exponential backoff with jitter, `core.service.Backoff`) until the message has failed
`max_attempts` times or is older than `max_age_s`; then it is a dead letter and the next one
goes. Messages of one target never overtake each other, so a receiver sees each camera's events
in order; a target that is down holds only its own messages back.

Delivery is at least once: a crash after the receiver's 2xx and before the batch's rows are
deleted sends those messages again on start, in their order and with the same
`X-VMS-Message-Id`, which receivers de-duplicate on.
The loops wake when an event is stored (`wake`, from any thread), else poll once a second, so
a message written by anything else (an admin's retry) goes out too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal, Protocol, runtime_checkable

from vms.config.events import DeliverySettings
from vms.core.clock import Clock
from vms.core.service import Backoff
from vms.events.outbox import Outbox, OutboxMessage

log = logging.getLogger(__name__)

IDLE_POLL_S = 1.0  # a loop with nothing to send looks again after this, woken or not
BATCH = 50  # messages read, sent in order and acknowledged in one transaction per step
STOP_TIMEOUT_S = 5.0  # each loop's end and each transport's close, at shutdown
ERROR_PAUSE_S = 1.0  # after an unexpected error (the database), before the loop goes on


class DeliveryError(Exception):
    """A try failed; the message says why in words an admin can act on."""


TransportKind = Literal["webhook", "mqtt"]


class Transport(Protocol):
    """Sends one message to one target; raises DeliveryError unless it was acknowledged."""

    @property
    def kind(self) -> TransportKind: ...

    @property
    def destination(self) -> str: ...

    async def send(self, message: OutboxMessage, attempt: int) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class Startable(Protocol):
    """A transport with something to run before its first send (the MQTT connection): the
    deliverer starts it in its own `start`; it must return at once and never raise."""

    async def start(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """What a target's loop has seen since VMS started (the backlog is in the outbox)."""

    name: str
    kind: TransportKind
    destination: str
    delivered: int = 0
    failed_tries: int = 0
    last_success_ms: int | None = None
    last_error: str | None = None
    last_error_ms: int | None = None


class Deliverer:
    """A `Service`: start runs a loop per target, stop ends them and closes the transports."""

    def __init__(
        self,
        outbox: Outbox,
        transports: Mapping[str, Transport],
        clock: Clock,
        settings: DeliverySettings,
    ) -> None:
        self._outbox = outbox
        self._transports = dict(transports)
        self._clock = clock
        self._settings = settings
        self._backoff = Backoff(
            initial_s=settings.backoff_initial_s, factor=2.0, cap_s=settings.backoff_cap_s
        )
        self._status = {
            name: TargetStatus(name, transport.kind, transport.destination)
            for name, transport in self._transports.items()
        }
        self._wakers: dict[str, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for transport in self._transports.values():
            if isinstance(transport, Startable):
                await transport.start()
        for name in self._transports:
            self._wakers[name] = asyncio.Event()
            self._tasks.append(asyncio.create_task(self._run(name), name=f"deliver {name}"))

    async def stop(self) -> None:
        """End the loops and close the transports, each within `STOP_TIMEOUT_S`: a receiver or
        a client library that hangs must not hold VMS's shutdown (what waits stays in the
        outbox)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S)
            for task in stuck:
                log.warning(
                    "delivery loop %s did not stop within %g s", task.get_name(), STOP_TIMEOUT_S
                )
        self._tasks.clear()
        for name, transport in self._transports.items():
            try:
                await asyncio.wait_for(transport.close(), STOP_TIMEOUT_S)
            except TimeoutError:
                log.warning("delivery target %s did not close within %g s", name, STOP_TIMEOUT_S)

    def wake(self) -> None:
        """New messages were written (from any thread): the loops look now."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for waker in self._wakers.values():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(waker.set)

    def statuses(self) -> list[TargetStatus]:
        return [self._status[name] for name in self._transports]

    def status(self, name: str) -> TargetStatus | None:
        return self._status.get(name)

    async def send_test(self, name: str, message: OutboxMessage) -> None:
        """Send `message` to target `name` now, outside the outbox (the "send test" button);
        raises DeliveryError as a try would, KeyError for an unknown target."""
        await self._transports[name].send(message, attempt=1)

    async def _run(self, name: str) -> None:
        while True:
            try:
                pause = await self._step(name)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database, most likely: the loop must outlive it
                log.exception("delivery to %s stopped for a moment", name)
                pause = ERROR_PAUSE_S
            if pause > 0:
                await self._sleep(name, pause)

    async def _step(self, name: str) -> float:
        """Send the due messages at the head of the target's line, in order, until one fails;
        returns how long to wait before the next step."""
        line = await asyncio.to_thread(self._outbox.line, name, BATCH)
        if not line:
            return IDLE_POLL_S
        taken: list[int] = []
        try:
            for message in line:
                now_ms = self._clock.now_ms()
                if message.next_attempt_ms > now_ms:  # only ever the head: a retry's wait
                    return (
                        0.0
                        if taken
                        else min(IDLE_POLL_S, (message.next_attempt_ms - now_ms) / 1000)
                    )
                try:
                    await self._transports[name].send(message, message.attempts + 1)
                except DeliveryError as error:
                    await self._failed(name, message, str(error))
                    return 0.0
                taken.append(message.id)
                status = self._status[name]  # counted first: the outbox never shows more
                self._status[name] = replace(
                    status, delivered=status.delivered + 1, last_success_ms=self._clock.now_ms()
                )
            return 0.0
        finally:  # one transaction for the batch; a crash before it sends them again (same ids)
            await asyncio.to_thread(self._outbox.acknowledge, taken)

    async def _failed(self, name: str, message: OutboxMessage, error: str) -> None:
        now_ms = self._clock.now_ms()
        attempts = message.attempts + 1
        too_old = now_ms - message.created_ms >= self._settings.max_age_s * 1000
        retry_at: int | None = None
        if attempts < self._settings.max_attempts and not too_old:
            retry_at = now_ms + round(self._backoff.delay(attempts - 1) * 1000)
        status = self._status[name]
        self._status[name] = replace(
            status, failed_tries=status.failed_tries + 1, last_error=error, last_error_ms=now_ms
        )
        await asyncio.to_thread(
            self._outbox.failed, message.id, error, retry_at_ms=retry_at, now_ms=now_ms
        )
        if retry_at is None:
            log.warning(
                "event message %s to %s is a dead letter after %d tries: %s",
                message.message_id,
                name,
                attempts,
                error,
            )
        else:
            log.info("event message to %s failed (try %d): %s", name, attempts, error)

    async def _sleep(self, name: str, seconds: float) -> None:
        waker = self._wakers[name]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waker.wait(), seconds)
        waker.clear()
