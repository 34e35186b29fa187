"""Event delivery to webhooks, against a real HTTP receiver on 127.0.0.1 and a real SQLite file:
the outbox is written with the event, a failing receiver gets the same message (same id, valid
signature) until it acknowledges, nothing is lost across a restart or sent twice, dead letters
wait for an admin, and each camera's events arrive in order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.support.events_room import RunningEvents, events_database, until
from tests.support.webhook_receiver import Received, WebhookReceiver
from vms.config.events import DeliverySettings, EventsSettings, WebhookTarget
from vms.core.bus import EventReported, RuleFacts
from vms.core.ids import CameraId
from vms.db.event_tables import EventOutboxTable
from vms.events.signing import SIGNATURE_HEADER, verify

# A hang (a lost wake-up, a stuck stop) fails in 5 minutes, not at the suite's 10.
pytestmark = pytest.mark.timeout(300)

SECRET = "a-webhook-secret-of-some-length"
CAMERAS = [CameraId(f"cam{n}") for n in range(5)]
FAST = DeliverySettings(max_attempts=4, backoff_initial_s=0.05, backoff_cap_s=0.2)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return events_database(tmp_path, CAMERAS)


def target(receiver: WebhookReceiver, **overrides: Any) -> WebhookTarget:
    values: dict[str, Any] = {"name": "panel", "url": receiver.url, "secret": SECRET}
    return WebhookTarget.model_validate(values | overrides)


def settings(*targets: WebhookTarget, delivery: DeliverySettings = FAST) -> EventsSettings:
    return EventsSettings(webhooks=targets, delivery=delivery)


@pytest.fixture
async def running(database: str) -> AsyncIterator[Callable[[EventsSettings], RunningEvents]]:
    yield lambda events_settings: RunningEvents(database, events_settings)


def report(
    event_id: str,
    phase: str,
    *,
    camera: CameraId = CAMERAS[0],
    label: str = "person",
    rule: str | None = "door",
    start_ms: int = 1_700_000_000_000,
) -> EventReported:
    facts = RuleFacts(rule=rule, kind="zone", track_id=7) if rule else None
    return EventReported(
        event_id=event_id,
        camera_id=camera,
        label=label,
        phase=phase,  # type: ignore[arg-type]
        start_ms=start_ms,
        end_ms=start_ms + 4000 if phase == "closed" else None,
        score=0.9,
        zones=("door",),
        rule=facts,
    )


def verified(request: Received) -> dict[str, Any]:
    verify(SECRET, request.headers[SIGNATURE_HEADER.lower()], request.body, time.time())
    body: dict[str, Any] = request.json()
    return body


async def test_a_receiver_that_fails_three_times_gets_one_message_with_one_id(
    receiver: WebhookReceiver, running: Callable[[EventsSettings], RunningEvents]
) -> None:
    receiver.answer(500, 500, 500)
    async with running(settings(target(receiver))) as events:
        await asyncio.to_thread(events.on_report, report("e1", "opened"))
        await until(lambda: len(receiver.acknowledged()) == 1)
        await until(lambda: events.delivery.target("panel").pending == 0)
        view = events.delivery.target("panel")
    tries = receiver.requests
    assert [r.status for r in tries] == [500, 500, 500, 200]
    assert len({r.headers["x-vms-message-id"] for r in tries}) == 1
    assert [r.headers["x-vms-attempt"] for r in tries] == ["1", "2", "3", "4"]
    bodies = [verified(r) for r in tries]  # every try signed, the same body each time
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["schema"] == "vms.event/1" and bodies[0]["type"] == "event.opened"
    assert bodies[0]["message_id"] == tries[0].headers["x-vms-message-id"]
    event = bodies[0]["event"]
    assert (event["id"], event["camera_id"], event["rule"], event["track_id"]) == (
        "e1",
        "cam0",
        "door",
        7,
    )
    assert (view.state, view.delivered, view.failed_tries, view.dead) == ("ok", 1, 3, 0)
    assert view.last_error == "the receiver answered HTTP 500"


async def test_filters_choose_what_each_target_receives(
    receiver: WebhookReceiver, running: Callable[[EventsSettings], RunningEvents]
) -> None:
    picky = target(receiver, name="picky", cameras=["cam1"], labels=["car"], phases=["closed"])
    everything = target(receiver, name="all", phases=["opened", "updated", "closed"])
    by_rule = target(receiver, name="rule", rules=["gate"])
    async with running(settings(picky, everything, by_rule)) as events:
        for phase in ("opened", "updated", "closed"):
            await asyncio.to_thread(events.on_report, report("a", phase))  # cam0 person door
            await asyncio.to_thread(
                events.on_report, report("b", phase, camera=CAMERAS[1], label="car", rule="gate")
            )
        await until(lambda: len(receiver.acknowledged()) == 6 + 1 + 2)
    got: dict[str, list[str]] = {}
    for request in receiver.requests:
        body = verified(request)
        got.setdefault(body["event"]["id"], []).append(body["type"])
    # "all" takes every change of both; "picky" the car's close; "rule" the gate rule's
    # opened and closed (the default phases).
    assert sorted(got["a"]) == sorted(["event.opened", "event.updated", "event.closed"])
    opened, updated, closed = "event.opened", "event.updated", "event.closed"
    assert sorted(got["b"]) == sorted([opened, updated, closed, closed, opened, closed])


async def test_nothing_is_lost_or_doubled_across_a_restart_while_the_receiver_is_down(
    receiver: WebhookReceiver, running: Callable[[EventsSettings], RunningEvents]
) -> None:
    receiver.stop()  # down: every try is a refused connection
    quick = DeliverySettings(backoff_initial_s=0.05, backoff_cap_s=0.5)
    patient = settings(target(receiver), delivery=quick)
    sent: list[tuple[str, str]] = []
    async with running(patient) as events:
        for n in range(25):  # 25 events opened and closed on 5 cameras: 50 messages
            camera = CAMERAS[n % len(CAMERAS)]
            for phase in ("opened", "closed"):
                await asyncio.to_thread(
                    events.on_report, report(f"ev{n:02d}", phase, camera=camera)
                )
                sent.append((f"ev{n:02d}", phase))
        await until(lambda: events.delivery.target("panel").failed_tries >= 3)
        assert events.delivery.target("panel").pending == 50
    # VMS restarts (a new engine, service and deliverer on the same file); the receiver is back.
    receiver.start()
    async with running(patient) as events:
        await until(lambda: events.delivery.target("panel").pending == 0)
    bodies = [verified(r) for r in receiver.acknowledged()]
    ids = [body["message_id"] for body in bodies]
    assert len(ids) == 50 and len(set(ids)) == 50  # all arrived, none twice
    assert [(b["event"]["id"], b["type"].removeprefix("event.")) for b in bodies] == sent


async def test_dead_letters_wait_for_an_admin_who_retries_or_drops_them(
    receiver: WebhookReceiver, running: Callable[[EventsSettings], RunningEvents]
) -> None:
    receiver.answer(*[503] * 8)  # two messages, four tries each
    async with running(settings(target(receiver))) as events:
        delivery = events.delivery
        await asyncio.to_thread(events.on_report, report("d1", "opened"))
        await asyncio.to_thread(events.on_report, report("d1", "closed"))
        await until(lambda: delivery.target("panel").dead == 2)
        view = delivery.target("panel")
        assert (view.state, view.pending, view.failed_tries) == ("failing", 0, 8)
        letters = delivery.dead_letters("panel", 10)
        assert [(m.event_id, m.phase, m.attempts) for m in letters] == [
            ("d1", "opened", 4),
            ("d1", "closed", 4),
        ]
        assert letters[0].last_error == "the receiver answered HTTP 503"
        assert await asyncio.to_thread(delivery.retry_dead, "panel") == 2
        await until(lambda: len(receiver.acknowledged()) == 2)
        await until(lambda: delivery.target("panel").pending == 0)
        kept_ids = [m.message_id for m in letters]
        assert [r.headers["x-vms-message-id"] for r in receiver.acknowledged()] == kept_ids
        receiver.answer(*[500] * 4)
        await asyncio.to_thread(events.on_report, report("d2", "opened"))
        await until(lambda: delivery.target("panel").dead == 1)
        assert await asyncio.to_thread(delivery.drop_dead, "panel") == 1
        assert delivery.target("panel").state == "ok"


async def test_a_message_too_old_is_a_dead_letter_at_its_next_failure(
    receiver: WebhookReceiver, running: Callable[[EventsSettings], RunningEvents]
) -> None:
    receiver.stop()
    aged = DeliverySettings(max_attempts=1000, max_age_s=60, backoff_initial_s=0.05)
    room = running(settings(target(receiver), delivery=aged))
    async with room as events:
        await asyncio.to_thread(events.on_report, report("old", "opened"))
        await until(lambda: events.delivery.target("panel").failed_tries >= 1)
        assert events.delivery.target("panel").dead == 0
        written = EventOutboxTable.created_ms
        with room.engine.begin() as conn:  # as if written 61 s ago
            conn.execute(update(EventOutboxTable).values(created_ms=written - 61_000))
        await until(lambda: events.delivery.target("panel").dead == 1)


async def test_events_left_open_by_a_crash_are_delivered_closed_at_start(
    receiver: WebhookReceiver, running: Callable[[EventsSettings], RunningEvents]
) -> None:
    async with running(settings(target(receiver))) as events:
        await asyncio.to_thread(events.on_report, report("crash", "opened"))
        await until(lambda: len(receiver.acknowledged()) == 1)
    # The run ended without closing it (as a crash would); the next start closes it.
    async with running(settings(target(receiver))):
        await until(lambda: len(receiver.acknowledged()) == 2)
    last = verified(receiver.acknowledged()[-1])
    assert last["type"] == "event.closed" and last["event"]["end_ms"] is not None


async def test_send_test_reaches_the_receiver_outside_the_outbox(
    receiver: WebhookReceiver, running: Callable[[EventsSettings], RunningEvents]
) -> None:
    async with running(settings(target(receiver, headers={"X-Api-Key": "k1"}))) as events:
        sent = await events.delivery.send_test("panel")
        assert events.delivery.target("panel").pending == 0
    (request,) = receiver.requests
    assert verified(request) == sent.payload
    assert request.headers["x-api-key"] == "k1"
    assert request.headers["x-vms-event"] == "event.opened"
