"""Event delivery to MQTT, against a real broker (mosquitto on 127.0.0.1) and a real SQLite file:
the event messages and each camera's retained state reach subscribers (a late one too), Home
Assistant discovery is there before any event, a refused password is a clear error while the
messages wait, TLS works with the site's CA, after the broker restarts VMS announces itself
again and sends what was written meanwhile, in order; MQTT 3.1.1 and 5 alike. The composition
root's camera list gives each camera's zones (polygons only) to discovery."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import aiomqtt
import pytest

from tests.support.events_room import RunningEvents, events_database, until
from tests.support.mosquitto import MOSQUITTO, Mosquitto, Subscriber
from vms.analytics.zones import Zone
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config import Settings
from vms.config.events import DeliverySettings, EventsSettings
from vms.config.mqtt import MqttSettings
from vms.core.bus import EventPhase, EventReported, RuleFacts
from vms.core.clock import SystemClock
from vms.core.ids import CameraId
from vms.events.messages import event_message
from vms.events.models import EventRecord
from vms.events.mqtt_discovery import MqttCamera
from vms.services import build

pytestmark = [
    pytest.mark.skipif(
        not Path(MOSQUITTO).exists(), reason="mosquitto is not installed (scripts/setup-system.sh)"
    ),
    pytest.mark.timeout(90),  # a hang (a lost connection never noticed) fails in a minute
]
GATE, YARD = CameraId("gate"), CameraId("yard")
CAMERAS = [MqttCamera(GATE, "Gate", ("Front door",)), MqttCamera(YARD, "Yard")]
FAST = DeliverySettings(max_attempts=1000, backoff_initial_s=0.05, backoff_cap_s=0.2)
JPEG = b"\xff\xd8\xff\xe0 a picture of the gate \xff\xd9"
PROTOCOLS = ["3.1.1", "5"]
# gate: motion, 2 counts, 2 zone counts, snapshot; yard: motion, 2 counts, snapshot
DISCOVERY_TOPICS = 6 + 4


@pytest.fixture
def broker() -> Iterator[Mosquitto]:
    running = Mosquitto().start()
    yield running
    running.remove()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return events_database(tmp_path, (GATE, YARD))


def mqtt(broker: Mosquitto, **overrides: Any) -> MqttSettings:
    return MqttSettings.model_validate({"host": "127.0.0.1", "port": broker.port} | overrides)


@pytest.fixture
async def running(database: str) -> AsyncIterator[Callable[[MqttSettings], RunningEvents]]:
    def room(settings: MqttSettings) -> RunningEvents:
        events_settings = EventsSettings(mqtt=settings, delivery=FAST)
        return RunningEvents(database, events_settings, cameras=lambda: CAMERAS)

    yield room


def report(
    event_id: str,
    phase: EventPhase,
    *,
    camera: CameraId = GATE,
    label: str = "person",
    track: int | None = 7,
    snapshot: bytes | None = None,
) -> EventReported:
    start_ms = int(time.time() * 1000)
    rule = None if label == "motion" else RuleFacts(rule="door", kind="zone", track_id=track)
    return EventReported(
        event_id=event_id,
        camera_id=camera,
        label=label,
        phase=phase,
        start_ms=start_ms,
        end_ms=start_ms + 4000 if phase == "closed" else None,
        score=0.9,
        zones=() if label == "motion" else ("Front door",),
        rule=rule,
        snapshot_jpeg=snapshot,
    )


def bodies(subscriber: Subscriber, camera: str = "gate") -> list[dict[str, Any]]:
    return [json.loads(got.payload) for got in subscriber.on(f"vms/{camera}/events")]


def discovered(subscriber: Subscriber) -> set[str]:
    return {got.topic for got in subscriber.got if got.topic.startswith("homeassistant/")}


EVENT_KEYS = set(
    event_message(
        EventRecord("x", GATE, "person", (), 1.0, 0, None, has_snapshot=False), "opened", "m", 0
    )["event"]
)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_events_and_retained_state_reach_subscribers(
    broker: Mosquitto,
    running: Callable[[MqttSettings], RunningEvents],
    protocol: Literal["3.1.1", "5"],
) -> None:
    async with (
        Subscriber(broker, ["vms/#", "homeassistant/#"]) as sub,
        running(mqtt(broker, protocol=protocol)) as events,
    ):
        await until(lambda: len(discovered(sub)) == DISCOVERY_TOPICS)
        assert sub.last("vms/available") == b"online"
        await until(lambda: sub.last("vms/yard/car/count") == b"0")  # the state comes last
        assert sub.last("vms/gate/motion") == b"OFF" and sub.last("vms/yard/person/count") == b"0"
        await asyncio.to_thread(events.on_report, report("p1", "opened", snapshot=JPEG))
        await asyncio.to_thread(events.on_report, report("m1", "opened", label="motion"))
        await until(lambda: len(bodies(sub)) == 2)
        await until(lambda: sub.last("vms/gate/motion") == b"ON")
        await until(lambda: sub.last("vms/gate/front_door/person/count") == b"1")
        assert sub.last("vms/gate/person/count") == b"1"
        assert sub.last("vms/gate/car/count") == b"0"
        await until(lambda: sub.last("vms/gate/snapshot") == JPEG)
        for event_id in ("p1", "m1"):
            label = "motion" if event_id == "m1" else "person"
            await asyncio.to_thread(events.on_report, report(event_id, "closed", label=label))
        await until(lambda: len(bodies(sub)) == 4)
        await until(lambda: sub.last("vms/gate/motion") == b"OFF")
        await until(lambda: sub.last("vms/gate/front_door/person/count") == b"0")
        assert sub.last("vms/gate/person/count") == b"0"
        assert events.delivery.target("mqtt").kind == "mqtt"
    # Discovery came before the first event; every message has the webhook's body schema.
    assert max(sub.index(topic) for topic in discovered(sub)) < sub.index("vms/gate/events")
    got = bodies(sub)
    assert [(b["event"]["id"], b["type"]) for b in got] == [
        ("p1", "event.opened"),
        ("m1", "event.opened"),
        ("p1", "event.closed"),
        ("m1", "event.closed"),
    ]
    for body in got:
        assert set(body) == {"schema", "message_id", "type", "written_ms", "event"}
        assert body["schema"] == "vms.event/1" and set(body["event"]) == EVENT_KEYS
    assert got[0]["event"]["snapshot_path"] == "/api/v1/events/p1/snapshot.jpg"
    assert len({body["message_id"] for body in got}) == 4
    assert not any(g.retain for g in sub.on("vms/gate/events"))
    # VMS stopped: it said so. A subscriber that comes now still gets the retained state.
    assert sub.last("vms/available") == b"offline"
    async with Subscriber(broker, ["vms/gate/#"]) as late:
        await until(lambda: late.last("vms/gate/snapshot") is not None)
        await until(lambda: late.last("vms/gate/front_door/car/count") is not None)
        assert late.last("vms/gate/motion") == b"OFF"
        assert late.last("vms/gate/person/count") == b"0"
        assert late.last("vms/gate/snapshot") == JPEG
        assert all(got.retain for got in late.got)
        assert late.on("vms/gate/events") == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_refused_password_is_a_clear_error_while_messages_wait(
    running: Callable[[MqttSettings], RunningEvents], protocol: Literal["3.1.1", "5"]
) -> None:
    broker = Mosquitto(users={"vms": "the-right-password"}).start()
    try:
        wrong = mqtt(broker, protocol=protocol, username="vms", password="a-wrong-password")
        async with running(wrong) as events:
            await asyncio.to_thread(events.on_report, report("w1", "opened"))
            await until(lambda: events.delivery.target("mqtt").failed_tries >= 2)
            view = events.delivery.target("mqtt")
        assert (view.state, view.pending, view.delivered) == ("retrying", 1, 0)
        assert view.last_error is not None
        assert "the broker refused the connection: Not authorized" in view.last_error
        assert "check events.mqtt.username and events.mqtt.password" in view.last_error
        assert "a-wrong-password" not in view.last_error
        right_password = "the-right-password"
        right = mqtt(broker, protocol=protocol, username="vms", password=right_password)
        async with (
            Subscriber(broker, ["vms/+/events"], username="vms", password=right_password) as sub,
            running(right) as events,
        ):
            await until(lambda: events.delivery.target("mqtt").pending == 0)
            await until(lambda: len(bodies(sub)) == 2)
        # The waiting message, then the close of the event the first run left open.
        assert [(b["event"]["id"], b["type"]) for b in bodies(sub)] == [
            ("w1", "event.opened"),
            ("w1", "event.closed"),
        ]
    finally:
        broker.remove()


async def test_tls_with_the_sites_ca(running: Callable[[MqttSettings], RunningEvents]) -> None:
    broker = Mosquitto(tls=True).start()
    assert broker.ca_file is not None
    try:
        secure = mqtt(broker, tls=True, ca_file=broker.ca_file, protocol="5")
        tls = aiomqtt.TLSParameters(ca_certs=str(broker.ca_file))
        async with (
            Subscriber(broker, ["vms/+/events"], tls_params=tls) as sub,
            running(secure) as events,
        ):
            assert events.delivery.target("mqtt").destination == f"mqtts://127.0.0.1:{broker.port}"
            await asyncio.to_thread(events.on_report, report("t1", "opened"))
            await until(lambda: len(bodies(sub)) == 1)
        # Without the CA, the system's CAs do not know the broker: the try fails and says why.
        async with running(mqtt(broker, tls=True)) as events:
            await asyncio.to_thread(events.on_report, report("t2", "opened"))
            await until(lambda: events.delivery.target("mqtt").failed_tries >= 1)
            error = events.delivery.target("mqtt").last_error or ""
        assert "CERTIFICATE_VERIFY_FAILED" in error, error
    finally:
        broker.remove()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_after_a_broker_restart_vms_announces_itself_and_sends_the_backlog_in_order(
    running: Callable[[MqttSettings], RunningEvents], protocol: Literal["3.1.1", "5"]
) -> None:
    broker = Mosquitto(persistence=True).start()  # the subscriber's session survives the restart
    try:
        async with (
            Subscriber(broker, ["vms/#", "homeassistant/#"], persistent=True) as sub,
            running(mqtt(broker, protocol=protocol)) as events,
        ):
            await until(lambda: len(discovered(sub)) == DISCOVERY_TOPICS)
            await until(lambda: sub.last("vms/yard/car/count") == b"0")  # all announced
            broker.stop()
            sent: list[tuple[str, str]] = []
            for n in range(3):
                for phase in ("opened", "closed"):
                    camera = (GATE, YARD)[n % 2]
                    await asyncio.to_thread(events.on_report, report(f"r{n}", phase, camera=camera))
                    sent.append((f"r{n}", f"event.{phase}"))
            await until(lambda: events.delivery.target("mqtt").failed_tries >= 2)
            assert events.delivery.target("mqtt").pending == 6
            before = len(sub.got)
            broker.start()
            await until(lambda: events.delivery.target("mqtt").pending == 0)
            await until(lambda: len(bodies(sub)) + len(bodies(sub, "yard")) == 6)
        # After the restart (the broker first hands the subscriber what it had not confirmed
        # before, and VMS's last will), VMS says it is online, then the discovery, then events.
        after = sub.got[before:]
        online = next(n for n, got in enumerate(after) if got.payload == b"online")
        topics = [got.topic for got in after[online:]]
        first_event = next(n for n, topic in enumerate(topics) if topic.endswith("/events"))
        announced = {topic for topic in topics[:first_event] if topic.startswith("homeassistant/")}
        assert announced == discovered(sub)
        arrived = [json.loads(got.payload) for got in after if got.topic.endswith("/events")]
        assert [(b["event"]["id"], b["type"]) for b in arrived] == sent
        assert sub.connections >= 2
    finally:
        broker.remove()


async def test_the_composition_root_announces_each_camera_with_its_zones(
    broker: Mosquitto, tmp_path: Path
) -> None:
    settings = Settings.model_validate(
        {
            "storage": {"data_dir": str(tmp_path / "data")},
            "live": {"rtsp_restream": False},
            "events": {"mqtt": {"host": "127.0.0.1", "port": broker.port}},
        }
    )
    services = build(settings)
    try:
        repo = CamerasRepo(services.engine, SystemClock())
        repo.add(CameraRow(id=GATE, name="Front gate", main_url="rtsp://10.0.0.5/gate"))
        square = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9))
        services.zones.replace(
            GATE,
            [
                Zone("Drive way", "zone", square),
                Zone("Kerb", "line", ((0.1, 0.5), (0.9, 0.5))),
                Zone("Street", "mask", square),
            ],
        )
        deliverer = services.events.delivery.deliverer
        async with Subscriber(broker, ["homeassistant/+/vms_gate/+/config"]) as sub:
            await deliverer.start()
            try:
                await until(lambda: len(discovered(sub)) == 6)
            finally:
                await deliverer.stop()
        objects = {topic.split("/")[3] for topic in discovered(sub)}
        assert objects == {
            "motion",
            "person_count",
            "car_count",
            "drive_way_person_count",
            "drive_way_car_count",
            "snapshot",
        }
        motion = json.loads(sub.last("homeassistant/binary_sensor/vms_gate/motion/config") or b"")
        assert motion["device"]["name"] == "Front gate"
    finally:
        services.engine.dispose()
