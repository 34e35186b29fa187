"""The events service: stores what analytics reports, feeds live clients, keeps the table tidy."""

from __future__ import annotations

import logging

from vms.config.events import EventsSettings
from vms.core.bus import Bus, EventReported
from vms.core.clock import Clock
from vms.events.feed import EventFeed
from vms.events.store import EventStore

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000


class EventService:
    """Subscribes to `EventReported`: each report is stored first, then published live, so a
    client that reacts to the live message finds the event (and its picture) stored."""

    def __init__(self, store: EventStore, clock: Clock, settings: EventsSettings) -> None:
        self.store = store
        self.feed = EventFeed()
        self.settings = settings
        self._clock = clock

    def attach(self, bus: Bus) -> None:
        bus.subscribe(EventReported, self.on_report)

    def on_report(self, report: EventReported) -> None:
        try:
            event = self.store.record(report)
        except Exception:  # a database hiccup must not stop analytics; the next report retries
            log.exception("event %s could not be stored", report.event_id)
            return
        self.feed.publish(report.phase, event)

    def start(self) -> None:
        """Close the events a previous run left open. Blocking."""
        closed = self.store.close_dangling()
        if closed:
            log.info("closed %d events left open by the previous run", closed)

    def purge(self) -> int:
        """Delete events older than the retention. Blocking."""
        cutoff = self._clock.now_ms() - self.settings.retention_days * _DAY_MS
        return self.store.purge(cutoff)

    def clip_range(self, start_ms: int, end_ms: int | None) -> tuple[int, int]:
        """The recordings to play for an event: padded, and up to now while it goes on."""
        end = end_ms if end_ms is not None else self._clock.now_ms()
        return (
            start_ms - self.settings.clip_pre_s * 1000,
            max(end, start_ms) + self.settings.clip_post_s * 1000,
        )
