"""The events service: reports stored before they go live, clips, start-up tidying, retention."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.support.schema import migrated_sqlite
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config.events import EventsSettings
from vms.core.bus import Bus, EventPhase, EventReported
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.db.engine import create_engine
from vms.events.feed import EventFeed
from vms.events.models import EventQuery, EventRecord
from vms.events.service import EventService, build_events
from vms.events.store import EventStore

T0 = 1_700_000_000_000
DAY_MS = 86_400_000
GATE = CameraId("gate")
JPEG = b"\xff\xd8picture\xff\xd9"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start_ms=T0)


def make_service(
    tmp_path: Path, clock: FakeClock, settings: EventsSettings | None = None
) -> EventService:
    engine = migrated_sqlite(f"sqlite:///{tmp_path / 'vms.db'}")
    CamerasRepo(engine, clock).add(CameraRow(id=GATE, name="Gate", main_url="rtsp://10.0.0.5/"))
    return build_events(engine, clock, settings or EventsSettings())


@pytest.fixture
def service(tmp_path: Path, clock: FakeClock) -> EventService:
    return make_service(tmp_path, clock)


def report(
    event_id: str = "e1",
    *,
    camera: CameraId = GATE,
    start_ms: int = T0,
    end_ms: int | None = None,
    jpeg: bytes | None = None,
) -> EventReported:
    return EventReported(
        event_id=event_id,
        camera_id=camera,
        label="motion",
        phase="opened" if end_ms is None else "closed",
        start_ms=start_ms,
        end_ms=end_ms,
        score=0.25,
        zones=("door",),
        snapshot_jpeg=jpeg,
        snapshot_ms=None if jpeg is None else start_ms,
    )


class StoreCheckingFeed(EventFeed):
    """The real feed, noting at each publish whether the event's picture is already stored."""

    def __init__(self, store: EventStore) -> None:
        super().__init__()
        self._store = store
        self.stored_at_publish: list[bool] = []

    def publish(self, phase: EventPhase, event: EventRecord) -> None:
        self.stored_at_publish.append(self._store.snapshot(event.id) is not None)
        super().publish(phase, event)


async def test_a_report_is_stored_then_published(service: EventService) -> None:
    feed = service.feed = StoreCheckingFeed(service.store)
    listener = feed.listen(EventQuery())
    await asyncio.to_thread(service.on_report, report(jpeg=JPEG))  # from an analytics thread
    message = await listener.next(5)
    assert feed.stored_at_publish == [True]
    assert message is not None and message.phase == "opened"
    assert message.event == service.store.get("e1")
    assert message.event.has_snapshot and message.event.zones == ("door",)
    assert service.store.snapshot("e1") == JPEG


async def test_attached_to_the_bus_it_records_every_phase(service: EventService) -> None:
    bus = Bus()
    service.attach(bus)
    listener = service.feed.listen(EventQuery())
    bus.publish(report(start_ms=T0))
    bus.publish(report(start_ms=T0, end_ms=T0 + 4_000))
    phases = [await listener.next(5) for _ in range(2)]
    assert [(m.phase, m.event.end_ms) for m in phases if m] == [
        ("opened", None),
        ("closed", T0 + 4_000),
    ]
    stored = service.store.get("e1")
    assert stored is not None and stored.end_ms == T0 + 4_000


async def test_a_report_that_cannot_be_stored_is_logged_and_not_published(
    service: EventService, caplog: pytest.LogCaptureFixture
) -> None:
    listener = service.feed.listen(EventQuery())
    with caplog.at_level(logging.ERROR, logger="vms.events.service"):
        service.on_report(report("ghost", camera=CameraId("deleted")))  # no such camera
    assert "ghost could not be stored" in caplog.text
    assert service.store.get("ghost") is None
    with pytest.raises(TimeoutError):
        await listener.next(0.05)
    service.on_report(report("e2"))  # the next report goes through
    message = await listener.next(5)
    assert message is not None and message.event.id == "e2"


def test_start_closes_the_events_a_previous_run_left_open(
    service: EventService, caplog: pytest.LogCaptureFixture
) -> None:
    service.on_report(report("left-open", start_ms=T0 - 60_000))
    service.on_report(report("done", start_ms=T0 - 60_000, end_ms=T0 - 50_000))
    with caplog.at_level(logging.INFO, logger="vms.events.service"):
        service.start()
    assert "closed 1 events" in caplog.text
    stored = service.store.get("left-open")
    assert stored is not None and stored.end_ms == T0  # its last update


@pytest.mark.parametrize("retention_days", [1, 7, 30])
def test_purge_keeps_the_retention(tmp_path: Path, clock: FakeClock, retention_days: int) -> None:
    service = make_service(tmp_path, clock, EventsSettings(retention_days=retention_days))
    keep_ms = retention_days * DAY_MS
    service.on_report(report("too-old", start_ms=T0 - keep_ms - 5_000, end_ms=T0 - keep_ms - 1))
    service.on_report(report("just-kept", start_ms=T0 - keep_ms - 5_000, end_ms=T0 - keep_ms))
    service.on_report(report("recent", start_ms=T0 - 5_000, end_ms=T0 - 1_000))
    assert service.purge() == 1
    assert service.store.get("too-old") is None
    assert service.store.get("just-kept") is not None
    clock.advance(1.0)
    assert service.purge() == 1  # a second later "just-kept" is too old
    assert [e.id for e in service.store.search(EventQuery()).events] == ["recent"]


@pytest.mark.parametrize(
    ("clip_s", "event_ms", "expected"),
    [
        ((5, 5), (T0, T0 + 2_000), (T0 - 5_000, T0 + 7_000)),
        ((0, 0), (T0, T0 + 2_000), (T0, T0 + 2_000)),
        ((10, 3), (T0 - 60_000, None), (T0 - 70_000, T0 + 3_000)),  # goes on: up to now
        ((5, 5), (T0 + 1_000, None), (T0 - 4_000, T0 + 6_000)),  # began after now (clock skew)
        ((2, 2), (T0, T0 - 500), (T0 - 2_000, T0 + 2_000)),  # an end before its start
    ],
)
def test_clip_range(
    clock: FakeClock,
    clip_s: tuple[int, int],
    event_ms: tuple[int, int | None],
    expected: tuple[int, int],
) -> None:
    settings = EventsSettings(clip_pre_s=clip_s[0], clip_post_s=clip_s[1])
    service = build_events(create_engine("sqlite://"), clock, settings)
    assert service.clip_range(*event_ms) == expected
