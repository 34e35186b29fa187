"""The live event feed: filters, delivery from analytics threads, cut-off of slow listeners."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import pytest

from vms.core.bus import EventPhase
from vms.core.ids import CameraId
from vms.events.feed import MAX_BACKLOG, EventFeed, FeedMessage
from vms.events.models import EventQuery, EventRecord, matches

T0 = 1_700_000_000_000
GATE, YARD = CameraId("gate"), CameraId("yard")


def event(
    event_id: str = "e1",
    *,
    camera: CameraId = GATE,
    label: str = "motion",
    zones: tuple[str, ...] = ("door",),
    score: float = 0.5,
    start_ms: int = T0,
) -> EventRecord:
    return EventRecord(event_id, camera, label, zones, score, start_ms, None, False)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (EventQuery(), True),
        (EventQuery(cameras=(GATE,)), True),
        (EventQuery(cameras=(YARD,)), False),
        (EventQuery(cameras=(YARD, GATE)), True),
        (EventQuery(labels=("person",)), False),
        (EventQuery(labels=("person", "motion")), True),
        (EventQuery(zones=("door",)), True),
        (EventQuery(zones=("drive", "porch")), False),
        (EventQuery(start_ms=T0), True),  # began at or after
        (EventQuery(start_ms=T0 + 1), False),
        (EventQuery(end_ms=T0 + 1), True),  # began before
        (EventQuery(end_ms=T0), False),
        (EventQuery(min_score=0.5), True),
        (EventQuery(min_score=0.51), False),
        (EventQuery(cameras=(GATE,), zones=("door",), min_score=0.6), False),
        (EventQuery(cursor="1.x", limit=1), True),  # paging is no filter
    ],
)
def test_matches(query: EventQuery, expected: bool) -> None:
    assert matches(event(), query) is expected


def test_a_track_filter_matches_only_events_of_those_tracks() -> None:
    tracked = replace(event(), rule="gate-line", track_id=7)
    assert matches(tracked, EventQuery(tracks=(7, 9)))
    assert not matches(tracked, EventQuery(tracks=(8,)))
    assert not matches(event(), EventQuery(tracks=(7,)))  # motion has no track


def test_an_event_without_zones_matches_no_zone_filter() -> None:
    assert not matches(event(zones=()), EventQuery(zones=("door",)))
    assert matches(event(zones=()), EventQuery())


async def test_a_report_published_from_a_thread_reaches_the_listener() -> None:
    feed = EventFeed()
    listener = feed.listen(EventQuery())
    thread = threading.Thread(target=feed.publish, args=("opened", event()))
    thread.start()
    message = await listener.next(5)
    thread.join()
    assert message == FeedMessage("opened", event())


async def test_each_listener_gets_what_its_query_matches_in_order() -> None:
    feed = EventFeed()
    gate = feed.listen(EventQuery(cameras=(GATE,)))
    everything = feed.listen(EventQuery())
    published: list[tuple[EventPhase, EventRecord]] = [
        ("opened", event("y1", camera=YARD)),
        ("opened", event("g1")),
        ("updated", event("g1", score=0.9)),
        ("closed", event("y1", camera=YARD)),
    ]

    def analytics() -> None:
        for phase, item in published:
            feed.publish(phase, item)

    await asyncio.to_thread(analytics)
    got_gate = [await gate.next(5) for _ in range(2)]
    got_all = [await everything.next(5) for _ in range(4)]
    assert [(m.phase, m.event.id) for m in got_gate if m] == [("opened", "g1"), ("updated", "g1")]
    assert [(m.phase, m.event.id) for m in got_all if m] == [(p, e.id) for p, e in published]
    with pytest.raises(TimeoutError):
        await gate.next(0.05)  # the yard's closing was not for it


async def test_next_times_out_while_quiet() -> None:
    listener = EventFeed().listen(EventQuery())
    with pytest.raises(TimeoutError):
        await listener.next(0.01)


async def test_a_listener_that_falls_behind_is_cut_off() -> None:
    feed = EventFeed()
    slow = feed.listen(EventQuery())
    for index in range(MAX_BACKLOG + 10):
        feed.publish("updated", event(f"e{index}"))
    await asyncio.sleep(0)  # deliveries run on the loop
    received = []
    while (message := await slow.next(5)) is not None:
        received.append(message.event.id)
    assert received == [f"e{i}" for i in range(MAX_BACKLOG)]
    assert slow.cut_off
    feed.publish("updated", event("late"))
    with pytest.raises(TimeoutError):
        await slow.next(0.05)  # nothing after the end of its stream


async def test_a_slow_listener_does_not_hold_back_the_others() -> None:
    feed = EventFeed()
    slow, quick = feed.listen(EventQuery()), feed.listen(EventQuery())
    for index in range(MAX_BACKLOG + 10):
        feed.publish("updated", event(f"e{index}"))
        message = await quick.next(5)
        assert message is not None and message.event.id == f"e{index}"
    assert slow.cut_off and not quick.cut_off


async def test_a_closed_listener_is_forgotten() -> None:
    feed = EventFeed()
    first, second = feed.listen(EventQuery()), feed.listen(EventQuery())
    assert feed.listeners == 2
    first.close()
    first.close()  # twice is harmless
    assert feed.listeners == 1
    feed.publish("opened", event())
    assert await second.next(5) == FeedMessage("opened", event())
    with pytest.raises(TimeoutError):
        await first.next(0.05)


async def test_closing_the_feed_ends_every_stream() -> None:
    feed = EventFeed()
    listeners = [feed.listen(EventQuery()) for _ in range(3)]
    feed.close()
    assert feed.listeners == 0
    for listener in listeners:
        assert await listener.next(5) is None
        assert listener.cut_off


def test_publishing_with_nobody_listening_is_harmless() -> None:
    EventFeed().publish("opened", event())


def test_publishing_after_the_loop_closed_is_harmless() -> None:
    feed = EventFeed()

    async def listen() -> None:
        feed.listen(EventQuery())

    asyncio.run(listen())  # the loop is closed when this returns
    assert feed.listeners == 1
    feed.publish("opened", event())
