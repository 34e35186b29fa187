"""The events service: stores what analytics reports, feeds live clients and delivery targets,
keeps the tables tidy."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from vms.config.events import EventsSettings
from vms.core.bus import Bus, EventReported
from vms.core.clock import Clock
from vms.events.delivery import Deliverer
from vms.events.feed import EventFeed
from vms.events.outbox import Outbox
from vms.events.store import EventStore
from vms.events.targets import Delivery
from vms.events.webhook import WebhookSender

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000


class EventService:
    """Subscribes to `EventReported`: each report is stored first (with the outbox's messages
    for delivery targets, in one transaction), then published live and the deliverer woken, so
    a client that reacts to a message finds the event (and its picture) stored."""

    def __init__(
        self, store: EventStore, clock: Clock, settings: EventsSettings, delivery: Delivery
    ) -> None:
        self.store = store
        self.feed = EventFeed()
        self.settings = settings
        self.delivery = delivery
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
        self.delivery.deliverer.wake()

    def start(self) -> None:
        """Close the events a previous run left open. Blocking."""
        closed = self.store.close_dangling()
        if closed:
            log.info("closed %d events left open by the previous run", closed)

    def purge(self) -> int:
        """Delete events older than the retention, and dead letters as old. Blocking."""
        cutoff = self._clock.now_ms() - self.settings.retention_days * _DAY_MS
        self.delivery.purge(cutoff)
        return self.store.purge(cutoff)

    def clip_range(self, start_ms: int, end_ms: int | None) -> tuple[int, int]:
        """The recordings to play for an event: padded, and up to now while it goes on."""
        end = end_ms if end_ms is not None else self._clock.now_ms()
        return (
            start_ms - self.settings.clip_pre_s * 1000,
            max(end, start_ms) + self.settings.clip_post_s * 1000,
        )


def build_events(engine: Engine, clock: Clock, settings: EventsSettings) -> EventService:
    """The events room: the store with its outbox, and a deliverer with a sender per webhook."""
    outbox = Outbox(engine, settings.webhooks)
    senders = {target.name: WebhookSender(target) for target in settings.webhooks}
    deliverer = Deliverer(outbox, senders, clock, settings.delivery)
    store = EventStore(engine, clock, outbox)
    return EventService(store, clock, settings, Delivery(outbox, deliverer, clock))
