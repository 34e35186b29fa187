"""The delivery routes over a real events room (SQLite, outbox) whose deliverer is not running,
so what the outbox holds stays put: targets with their backlog, dead letters listed, retried
and dropped, a test message sent to a real receiver, and the problems for the wrong cases."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.auth import basic_header
from tests.support.schema import migrated_sqlite
from tests.support.webhook_receiver import WebhookReceiver
from tests.unit.api.fake_backend import FakeBackend, make_app
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config.events import DeliverySettings, EventsSettings, WebhookTarget
from vms.config.mqtt import MqttSettings
from vms.core.bus import EventPhase, EventReported
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.events.service import EventService, build_events
from vms.events.signing import SIGNATURE_HEADER, verify

TARGETS = "/api/v1/delivery/targets"
SECRET = "api-test-webhook-secret"
GATE = CameraId("gate")
NOW = 1_700_000_000_000


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def events(tmp_path: Path, receiver: WebhookReceiver) -> EventService:
    engine = migrated_sqlite(f"sqlite:///{tmp_path / 'vms.db'}")
    clock = FakeClock(start_ms=NOW)
    CamerasRepo(engine, clock).add(CameraRow(id=GATE, name="Gate", main_url="rtsp://10.0.0.5/"))
    panel = WebhookTarget(name="panel", url=f"{receiver.url}?token=t0p", secret=SECRET)
    once = DeliverySettings(max_attempts=1)
    return build_events(engine, clock, EventsSettings(webhooks=(panel,), delivery=once))


@pytest.fixture
def client(events: EventService) -> TestClient:
    app = make_app(FakeBackend(), events=events)
    return TestClient(app, raise_server_exceptions=False, headers=basic_header())


def opened_and_closed(events: EventService, event_id: str) -> None:
    phases: tuple[EventPhase, ...] = ("opened", "closed")
    for phase in phases:
        events.on_report(
            EventReported(
                event_id=event_id,
                camera_id=GATE,
                label="motion",
                phase=phase,
                start_ms=NOW,
                end_ms=NOW + 1000 if phase == "closed" else None,
                score=0.5,
                zones=(),
            )
        )


def test_targets_show_their_backlog_and_no_secret(client: TestClient, events: EventService) -> None:
    opened_and_closed(events, "e1")
    response = client.get(TARGETS)
    assert response.status_code == 200, response.text
    (panel,) = response.json()
    assert panel["name"] == "panel" and panel["kind"] == "webhook"
    assert panel["destination"].endswith("/hook")  # no query: it may carry a token
    assert (panel["state"], panel["pending"], panel["dead"]) == ("ok", 2, 0)
    assert panel["oldest_pending_ms"] == NOW
    assert SECRET not in response.text and "t0p" not in response.text
    assert client.get(f"{TARGETS}/panel").json() == panel


def fail_all(events: EventService, receiver: WebhookReceiver, count: int) -> None:
    """Run the deliverer until `count` messages are dead letters (the receiver answers 410)."""
    receiver.answer(*[410] * count)

    async def run() -> None:
        deliverer = events.delivery.deliverer
        await deliverer.start()
        try:
            deadline = time.monotonic() + 30
            while events.delivery.target("panel").dead < count:
                assert time.monotonic() < deadline, events.delivery.target("panel")
                await asyncio.sleep(0.02)
        finally:
            await deliverer.stop()

    asyncio.run(run())


def test_dead_letters_are_listed_retried_in_order_and_dropped(
    client: TestClient, events: EventService, receiver: WebhookReceiver
) -> None:
    opened_and_closed(events, "e1")
    fail_all(events, receiver, 2)
    assert client.get(f"{TARGETS}/panel").json()["state"] == "failing"
    letters = client.get(f"{TARGETS}/panel/dead-letters").json()
    assert [(d["event_id"], d["phase"], d["attempts"]) for d in letters] == [
        ("e1", "opened", 1),
        ("e1", "closed", 1),
    ]
    assert letters[0]["last_error"] == "the receiver answered HTTP 410"
    assert letters[0]["payload"]["message_id"] == letters[0]["message_id"]
    assert client.post(f"{TARGETS}/panel/dead-letters/retry").json() == {"count": 2}
    panel = client.get(f"{TARGETS}/panel").json()
    assert (panel["pending"], panel["dead"]) == (2, 0)
    assert client.get(f"{TARGETS}/panel/dead-letters").json() == []
    fail_all(events, receiver, 2)
    again = client.get(f"{TARGETS}/panel/dead-letters").json()
    assert [d["message_id"] for d in again] == [d["message_id"] for d in letters]  # same ids
    assert client.delete(f"{TARGETS}/panel/dead-letters").json() == {"count": 2}
    panel = client.get(f"{TARGETS}/panel").json()
    assert (panel["pending"], panel["dead"]) == (0, 0)


def test_send_test_reaches_the_receiver_and_a_refusal_is_a_503(
    client: TestClient, receiver: WebhookReceiver
) -> None:
    sent = client.post(f"{TARGETS}/panel/test")
    assert sent.status_code == 200, sent.text
    (request,) = receiver.requests
    verify(SECRET, request.headers[SIGNATURE_HEADER.lower()], request.body, time.time())
    assert request.json() == sent.json()["payload"]
    receiver.answer(401)
    refused = client.post(f"{TARGETS}/panel/test")
    assert refused.status_code == 503
    assert "HTTP 401" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"{TARGETS}/nowhere"),
        ("get", f"{TARGETS}/nowhere/dead-letters"),
        ("post", f"{TARGETS}/nowhere/dead-letters/retry"),
        ("delete", f"{TARGETS}/nowhere/dead-letters"),
        ("post", f"{TARGETS}/nowhere/test"),
    ],
)
def test_an_unknown_target_is_a_404(client: TestClient, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 404 and "nowhere" in response.json()["detail"]


def test_delivery_needs_a_signed_in_admin(events: EventService) -> None:
    anonymous = TestClient(make_app(FakeBackend(), events=events), raise_server_exceptions=False)
    assert anonymous.get(TARGETS).status_code == 401
    assert anonymous.post(f"{TARGETS}/panel/test").status_code == 401


def test_the_mqtt_target_is_listed_with_its_kind_and_no_password(tmp_path: Path) -> None:
    engine = migrated_sqlite(f"sqlite:///{tmp_path / 'mqtt.db'}")
    clock = FakeClock(start_ms=NOW)
    CamerasRepo(engine, clock).add(CameraRow(id=GATE, name="Gate", main_url="rtsp://10.0.0.5/"))
    broker = MqttSettings(
        host="broker.lan", port=8883, tls=True, username="vms", password="mqtt-s3cret"
    )
    events = build_events(engine, clock, EventsSettings(mqtt=broker))
    opened_and_closed(events, "m1")
    client = TestClient(make_app(FakeBackend(), events=events), headers=basic_header())
    response = client.get(f"{TARGETS}/mqtt")
    assert response.status_code == 200, response.text
    target = response.json()
    assert (target["name"], target["kind"]) == ("mqtt", "mqtt")
    assert target["destination"] == "mqtts://broker.lan:8883"
    assert (target["state"], target["pending"]) == ("ok", 2)  # the deliverer is not running
    assert "mqtt-s3cret" not in response.text
    refused = client.post(f"{TARGETS}/mqtt/test")  # not connected: a clear 503
    assert refused.status_code == 503 and "not connected" in refused.json()["detail"]
