"""A hub subscription read from the asyncio event loop, for the live protocols.

The hub calls `on_ready` from the camera's demux thread when the queue goes from empty to
non-empty; that wakes an asyncio.Event through `call_in_loop`, so a quiet viewer costs nothing and
a busy one one wake-up per burst, not per packet.
"""

from __future__ import annotations

import asyncio

from vms.core.threads import call_in_loop
from vms.ingest.hub import StreamHub, Subscription
from vms.media.packet import HubItem


class AsyncFeed:
    """`await feed.get()` for the next hub item; `close()` unsubscribes."""

    def __init__(self, hub: StreamHub, name: str, *, max_items: int = 256) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._subscription: Subscription = hub.subscribe(
            name, max_items=max_items, on_ready=self._wake
        )
        self._ready.set()  # the info and cached GOP were queued without a wake-up

    @property
    def subscription(self) -> Subscription:
        return self._subscription

    @property
    def dropped(self) -> int:
        return self._subscription.dropped

    async def get(self) -> HubItem | None:
        """The next item; None once the feed is closed."""
        while True:
            item = self._subscription.get_nowait()
            if item is not None:
                return item
            if self._subscription.closed:
                return None
            self._ready.clear()
            item = self._subscription.get_nowait()  # raced with a publish before the clear
            if item is not None:
                return item
            await self._ready.wait()

    def get_nowait(self) -> HubItem | None:
        return self._subscription.get_nowait()

    def close(self) -> None:
        self._subscription.close()
        self._ready.set()

    def _wake(self) -> None:
        call_in_loop(self._loop, self._ready.set)
