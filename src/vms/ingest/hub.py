"""In-memory fan-out of one camera stream: codec info, a GOP cache and one bounded queue per sink.

The publisher is the camera's demux thread and must never block, so every subscriber has its own
bounded queue: a slow one drops its own packets (and resyncs on the next video keyframe) while the
recorder and the other sinks carry on. One lock per hub guards everything; the per-packet path is
a lock, a few deque appends and, only when a reader is actually waiting, a notify
(see bench/hub_overhead.py).

Subscribers say whether they need each packet the moment it arrives (`realtime`: live viewers)
or take them in batches (the recorder, analytics). While no realtime subscriber is there, the
publisher may read its camera in batches too (`pause_publisher`): a thread woken a few times a
second instead of once a frame costs a fraction of the CPU (docs/decisions/0011).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from vms.media.packet import HubItem, Packet, PacketsDropped, StreamEnded, StreamInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HubStats:
    """Counters of one hub since it was created."""

    packets_in: int
    bytes_in: int
    subscribers: int
    dropped_total: int
    gop_cache_packets: int
    gop_cache_bytes: int
    generation: int | None


class Subscription:
    """One sink's bounded view of a hub: read from a thread (get) or from asyncio (on_ready)."""

    __slots__ = (
        "_closed",
        "_cond",
        "_dropped",
        "_hub",
        "_items",
        "_max_items",
        "_on_ready",
        "_pending_drop",
        "_realtime",
        "_resync",
        "_starting",
        "_waiting",
        "name",
    )

    def __init__(
        self,
        hub: StreamHub,
        name: str,
        lock: threading.Lock,
        max_items: int,
        on_ready: Callable[[], None] | None,
        *,
        realtime: bool,
    ) -> None:
        self.name = name
        self._hub = hub
        self._realtime = realtime
        self._cond = threading.Condition(lock)
        self._items: deque[HubItem] = deque()
        self._max_items = max_items
        self._on_ready = on_ready
        self._closed = False
        self._resync = False  # dropping until the next video keyframe
        self._starting = False  # joined mid-GOP without a cache: wait for a keyframe, lost nothing
        self._pending_drop = 0  # packets dropped since the last PacketsDropped was queued
        self._dropped = 0
        self._waiting = 0

    def get(self, timeout: float | None = None) -> HubItem | None:
        """Next item, waiting up to ``timeout`` seconds (forever if None); None on timeout/close."""
        with self._cond:
            if not self._items and not self._closed:
                self._waiting += 1
                try:
                    self._cond.wait_for(self._has_item_or_closed, timeout)
                finally:
                    self._waiting -= 1
            if self._closed or not self._items:
                return None
            return self._items.popleft()

    def get_nowait(self) -> HubItem | None:
        """Next item if one is queued, else None."""
        with self._cond:
            if self._closed or not self._items:
                return None
            return self._items.popleft()

    @property
    def dropped(self) -> int:
        """Packets this subscriber lost because its queue was full (or while resyncing)."""
        with self._cond:
            return self._dropped

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def qsize(self) -> int:
        """Items queued now (markers included)."""
        with self._cond:
            return len(self._items)

    def close(self) -> None:
        """Unsubscribe; a get() blocked in another thread returns None."""
        self._hub._unsubscribe(self)

    def _has_item_or_closed(self) -> bool:
        return self._closed or bool(self._items)

    # Called with the hub lock held. Returns True when the queue went from empty to non-empty.
    def _offer_marker(self, item: StreamInfo | StreamEnded) -> bool:
        was_empty = not self._items
        self._items.append(item)
        if self._waiting:
            self._cond.notify()
        return was_empty

    def _offer_packet(self, packet: Packet, sync_point: bool) -> bool:
        items = self._items
        if self._resync:
            needed = 2 if self._pending_drop else 1
            if not sync_point or len(items) + needed > self._max_items:
                if not self._starting:
                    self._pending_drop += 1
                    self._dropped += 1
                    self._hub._dropped_total += 1
                return False
            self._resync = self._starting = False
            was_empty = not items
            if self._pending_drop:
                items.append(PacketsDropped(self._pending_drop))
                self._pending_drop = 0
            items.append(packet)
        elif len(items) >= self._max_items:
            self._resync = True
            self._pending_drop += 1
            self._dropped += 1
            self._hub._dropped_total += 1
            return False
        else:
            was_empty = not items
            items.append(packet)
        if self._waiting:
            self._cond.notify()
        return was_empty


class StreamHub:
    """Fan-out of one camera stream to any number of subscribers; see the module docstring."""

    def __init__(self, name: str, *, gop_cache_max_bytes: int = 16 * 2**20) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._gop_cache_max_bytes = gop_cache_max_bytes
        self._info: StreamInfo | None = None
        self._video_track: int | None = None
        self._subs: tuple[Subscription, ...] = ()
        self._gop: list[Packet] = []
        self._gop_bytes = 0
        self._gop_valid = False  # the cache starts at a video keyframe of the current generation
        self._packets_in = 0
        self._bytes_in = 0
        self._dropped_total = 0
        self._realtime_subscribers = 0
        self._publisher_wake = threading.Condition(self._lock)
        self._wake_pending = False

    @property
    def info(self) -> StreamInfo | None:
        """The current stream's tracks, or None while no connection is up."""
        with self._lock:
            return self._info

    def publish_info(self, info: StreamInfo) -> None:
        """Announce a new connection or generation; the GOP cache starts over."""
        with self._lock:
            self._info = info
            self._video_track = info.video_track
            self._clear_gop()
            ready = self._broadcast_marker(info)
        _notify_ready(ready)

    def publish(self, packet: Packet) -> None:
        """Hand one packet to every subscriber; never blocks (a full queue drops for its owner)."""
        ready: list[Callable[[], None]] | None = None
        with self._lock:
            sync_point = packet.keyframe and (
                self._video_track is None or packet.track == self._video_track
            )
            self._packets_in += 1
            size = len(packet.data)
            self._bytes_in += size
            if sync_point:
                self._gop.clear()
                self._gop_bytes = 0
                self._gop_valid = True
            if self._gop_valid:
                self._gop.append(packet)
                self._gop_bytes += size
                if self._gop_bytes > self._gop_cache_max_bytes:
                    self._clear_gop()
            for sub in self._subs:
                if sub._offer_packet(packet, sync_point) and sub._on_ready is not None:
                    if ready is None:
                        ready = []
                    ready.append(sub._on_ready)
        if ready is not None:
            _notify_ready(ready)

    def end(self, reason: str) -> None:
        """The connection is gone: StreamEnded to every subscriber, cache and info cleared."""
        with self._lock:
            self._info = None
            self._video_track = None
            self._clear_gop()
            ready = self._broadcast_marker(StreamEnded(reason))
        _notify_ready(ready)

    def subscribe(
        self,
        name: str,
        *,
        max_items: int = 256,
        on_ready: Callable[[], None] | None = None,
        realtime: bool = True,
    ) -> Subscription:
        """A new bounded queue that starts with the current info and the cached GOP.

        Those first items are queued when this returns and do not trigger ``on_ready``: drain
        the subscription once after subscribing, then wait for ``on_ready``. ``realtime=False``
        is for sinks that take packets in batches (a quarter second late is nothing to them);
        a realtime subscriber ends the publisher's pause at once.
        """
        if max_items < 2:
            raise ValueError("max_items must be at least 2 (a PacketsDropped and a keyframe)")
        with self._lock:
            sub = Subscription(self, name, self._lock, max_items, on_ready, realtime=realtime)
            if realtime:
                self._realtime_subscribers += 1
                self._publisher_wake.notify_all()
            if self._info is not None:
                sub._items.append(self._info)
                if self._gop_valid:
                    sub._items.extend(self._gop)
                else:
                    sub._resync = sub._starting = True  # start at the next keyframe
            self._subs = (*self._subs, sub)
        return sub

    def stats(self) -> HubStats:
        with self._lock:
            return HubStats(
                packets_in=self._packets_in,
                bytes_in=self._bytes_in,
                subscribers=len(self._subs),
                dropped_total=self._dropped_total,
                gop_cache_packets=len(self._gop),
                gop_cache_bytes=self._gop_bytes,
                generation=None if self._info is None else self._info.generation,
            )

    @property
    def realtime_subscribers(self) -> int:
        """Subscribers that need each packet as it arrives (live viewers)."""
        with self._lock:
            return self._realtime_subscribers

    def pause_publisher(self, seconds: float) -> None:
        """Block the publisher up to `seconds`, unless a realtime subscriber is (or becomes)
        subscribed or `wake_publisher` is called. A publisher that can let its input wait (a
        TCP socket) calls this between reads; one that cannot (UDP) never does."""
        with self._lock:
            if not self._realtime_subscribers and not self._wake_pending:
                self._publisher_wake.wait(seconds)
            self._wake_pending = False

    def wake_publisher(self) -> None:
        """End the publisher's current (or next) pause now: it is being stopped."""
        with self._lock:
            self._wake_pending = True
            self._publisher_wake.notify_all()

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub._closed:
                return
            if sub._realtime:
                self._realtime_subscribers -= 1
            self._subs = tuple(s for s in self._subs if s is not sub)
            sub._closed = True
            sub._items.clear()
            sub._cond.notify_all()

    def _clear_gop(self) -> None:
        self._gop = []
        self._gop_bytes = 0
        self._gop_valid = False

    def _broadcast_marker(self, item: StreamInfo | StreamEnded) -> list[Callable[[], None]]:
        ready: list[Callable[[], None]] = []
        for sub in self._subs:
            if sub._offer_marker(item) and sub._on_ready is not None:
                ready.append(sub._on_ready)
        return ready


def _notify_ready(callbacks: list[Callable[[], None]]) -> None:
    """Run on_ready callbacks outside the lock; a faulty one must not break the publisher."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("on_ready callback failed")
