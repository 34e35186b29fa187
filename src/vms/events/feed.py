"""The live event feed: what the store just recorded, fanned out to server-sent-event clients.

Analytics reports on its own threads; each listener is an asyncio queue on the event loop, fed
through `loop.call_soon_threadsafe` (the one hand-off from a thread to the loop). A listener
that falls `MAX_BACKLOG` messages behind is cut off rather than let grow: its client reconnects
and reloads the list, which is cheaper than an unbounded queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass

from vms.core.bus import EventPhase
from vms.events.models import EventQuery, EventRecord, matches

MAX_BACKLOG = 256


@dataclass(frozen=True, slots=True)
class FeedMessage:
    phase: EventPhase
    event: EventRecord


class FeedListener:
    """One client's view of the feed: `next()` waits for a message, None once cut off."""

    def __init__(self, feed: EventFeed, query: EventQuery) -> None:
        self._feed = feed
        self.query = query
        self._queue: asyncio.Queue[FeedMessage | None] = asyncio.Queue(MAX_BACKLOG + 1)
        self.cut_off = False

    async def next(self, timeout_s: float) -> FeedMessage | None:
        """The next message; raises TimeoutError after `timeout_s` without one."""
        return await asyncio.wait_for(self._queue.get(), timeout_s)

    def close(self) -> None:
        self._feed._remove(self)

    def _offer(self, message: FeedMessage) -> None:
        if self.cut_off or not matches(message.event, self.query):
            return
        if self._queue.qsize() >= MAX_BACKLOG:
            self._cut_off()
            return
        self._queue.put_nowait(message)

    def _cut_off(self) -> None:
        """End this listener's stream: `next()` answers None from now on (room was kept)."""
        if not self.cut_off:
            self.cut_off = True
            self._queue.put_nowait(None)


class EventFeed:
    """Fan-out of recorded events; `listen` on the loop, `publish` from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[FeedListener] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def listen(self, query: EventQuery) -> FeedListener:
        """A new listener for events matching `query` (the cursor is ignored). Call on the loop."""
        listener = FeedListener(self, query)
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._listeners.append(listener)
        return listener

    def publish(self, phase: EventPhase, event: EventRecord) -> None:
        with self._lock:
            loop, listeners = self._loop, list(self._listeners)
        if loop is None or not listeners:
            return
        message = FeedMessage(phase, event)
        with contextlib.suppress(RuntimeError):  # the loop closed while VMS stops
            loop.call_soon_threadsafe(_deliver, listeners, message)

    def close(self) -> None:
        """End every listener's stream (VMS is stopping). Call on the loop."""
        with self._lock:
            listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener._cut_off()

    @property
    def listeners(self) -> int:
        with self._lock:
            return len(self._listeners)

    def _remove(self, listener: FeedListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


def _deliver(listeners: list[FeedListener], message: FeedMessage) -> None:
    for listener in listeners:
        listener._offer(message)
