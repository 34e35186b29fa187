"""The events service: stores what analytics reports, feeds live clients and delivery targets,
keeps the tables tidy."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from vms.config.events import EventsSettings
from vms.core.bus import Bus, EventReported
from vms.core.clock import Clock
from vms.core.service import Backoff
from vms.events.delivery import Deliverer, Transport
from vms.events.feed import EventFeed
from vms.events.mqtt import CameraSource, MqttTransport
from vms.events.mqtt_discovery import MqttCamera
from vms.events.outbox import Outbox, Target
from vms.events.stats import EventStatistics
from vms.events.stats_rollup import StatsRollup
from vms.events.store import EventStore
from vms.events.targets import Delivery
from vms.events.webhook import WebhookSender

log = logging.getLogger(__name__)

_DAY_MS = 86_400_000
MQTT_RECONNECT_CAP_S = 30.0  # a broker back after a restart is found again within this


class EventService:
    """Subscribes to `EventReported`: each report is stored first (with the outbox's messages
    for delivery targets, in one transaction), then published live and the deliverer woken, so
    a client that reacts to a message finds the event (and its picture) stored."""

    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        settings: EventsSettings,
        delivery: Delivery,
        timezone: str = "UTC",
    ) -> None:
        self.store = store
        self.feed = EventFeed()
        self.settings = settings
        self.delivery = delivery
        self.timezone = timezone  # the site's (analytics.timezone): where its days begin
        self.statistics = EventStatistics(store.engine, timezone)
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
        """Cut the statistics' days in the site's zone, then close the events a previous run
        left open. Blocking."""
        self.statistics.prepare()
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


def build_events(
    engine: Engine,
    clock: Clock,
    settings: EventsSettings,
    cameras: CameraSource | None = None,
    timezone: str = "UTC",
) -> EventService:
    """The events room: the store with its outbox, and a deliverer with a sender per webhook
    and, when `events.mqtt` is set, the MQTT transport; `cameras` lists the cameras (and their
    zones) the MQTT target announces to Home Assistant (blocking; none when not given);
    `timezone` is the site's, where its days begin (statistics, archive)."""
    targets: list[Target] = [*settings.webhooks]
    if settings.mqtt is not None:
        targets.append(settings.mqtt)
    outbox = Outbox(engine, targets)
    store = EventStore(engine, clock, outbox, StatsRollup(timezone))
    transports: dict[str, Transport] = {
        target.name: WebhookSender(target) for target in settings.webhooks
    }
    if settings.mqtt is not None:
        reconnect = Backoff(
            initial_s=settings.delivery.backoff_initial_s,
            cap_s=min(settings.delivery.backoff_cap_s, MQTT_RECONNECT_CAP_S),
        )
        transports[settings.mqtt.name] = MqttTransport(
            settings.mqtt, store, cameras or _no_cameras, reconnect
        )
    deliverer = Deliverer(outbox, transports, clock, settings.delivery)
    delivery = Delivery(outbox, deliverer, clock)
    return EventService(store, clock, settings, delivery, timezone)


def _no_cameras() -> list[MqttCamera]:
    return []
