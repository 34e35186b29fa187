"""Fake packet feeds for recorder tests (what a hub subscription hands a sink)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

from vms.media.packet import HubItem


class ListFeed:
    """Hands out a fixed list of items, then None; `drained` is set once the recorder asked
    for an item after the last one, i.e. when it has handled everything."""

    def __init__(self, items: Iterable[HubItem]) -> None:
        self._items = deque(items)
        self._lock = threading.Lock()
        self.drained = threading.Event()
        self.closed = threading.Event()

    def get(self, timeout: float | None = None) -> HubItem | None:
        with self._lock:
            if self._items:
                return self._items.popleft()
        self.drained.set()
        self.closed.wait(timeout)
        return None

    def get_nowait(self) -> HubItem | None:
        with self._lock:
            if self._items:
                return self._items.popleft()
        self.drained.set()
        return None

    def close(self) -> None:
        self.closed.set()


class HeldFeed(ListFeed):
    """A ListFeed that hands out nothing until `release` is set (so a test can report events
    to a started recorder before its packets arrive)."""

    def __init__(self, items: Iterable[HubItem]) -> None:
        super().__init__(items)
        self.release = threading.Event()

    def get(self, timeout: float | None = None) -> HubItem | None:
        if not self.release.wait(timeout):
            return None
        return super().get(timeout)

    def get_nowait(self) -> HubItem | None:
        return super().get_nowait() if self.release.is_set() else None
