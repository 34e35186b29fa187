"""Benchmark: event delivery through the outbox to a webhook and MQTT: latency, loss, CPU.

Usage: python bench/events.py [--quick] [--json PATH] [--rate 1000] [--cameras 16]
       (--quick: 10 s windows instead of 60 s, about 30 s in all)

In this process: the events room as `vms serve` builds it (SQLite file, outbox, deliverer) and
`--cameras` threads that each report events (opened, then closed 0.5 s later) so that
`--rate` events a minute happen in all; one webhook target that takes both phases, answered by
a real HTTP receiver on 127.0.0.1 (its own thread), and the MQTT target (a `mosquitto` broker
on 127.0.0.1, another process, and an aiomqtt subscriber in this one's loop). Three windows one
after the other with the same load: no target (storing events only), the webhook, then the
webhook and MQTT together; the CPU of this process in each says what delivery adds (the
broker's own CPU is not counted). Latency is from the message's `written_ms` (the clock read
just before the event's transaction commits) to the receiver's or the subscriber's arrival
time. Loss and duplicates are counted by message id after the outbox is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.mosquitto import MOSQUITTO, Mosquitto, Subscriber
from tests.support.webhook_receiver import WebhookReceiver

from bench.support import Row, bench_arguments, report
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config.events import EventsSettings, WebhookTarget
from vms.config.mqtt import MqttSettings
from vms.core.bus import EventReported
from vms.core.clock import SystemClock
from vms.core.ids import CameraId
from vms.db.engine import create_engine, migrate
from vms.events.mqtt_discovery import MqttCamera
from vms.events.service import EventService, build_events

SECRET = "bench-webhook-secret-0123456789"
CLOSE_AFTER_S = 0.5


def report_events(events: EventService, camera: CameraId, per_s: float, until: float) -> int:
    """Open and close events on one camera at `per_s` until `until`; returns how many."""
    count = 0
    next_at = time.monotonic()
    while next_at < until:
        time.sleep(max(0.0, next_at - time.monotonic()))
        start_ms = SystemClock().now_ms()
        event_id = f"{camera}-{count:06d}"
        for phase, end_ms in (("opened", None), ("closed", start_ms + int(CLOSE_AFTER_S * 1000))):
            events.on_report(
                EventReported(
                    event_id=event_id,
                    camera_id=camera,
                    label="person",
                    phase=phase,  # type: ignore[arg-type]
                    start_ms=start_ms,
                    end_ms=end_ms,
                    score=0.8,
                    zones=("door",),
                )
            )
        count += 1
        next_at += 1 / per_s
    return count


@dataclass
class Targets:
    """What one window delivers to: nothing, the webhook, or the webhook and MQTT together."""

    receiver: WebhookReceiver | None = None
    broker: Mosquitto | None = None


def settings_for(targets: Targets, cameras: list[CameraId]) -> EventsSettings:
    webhooks: tuple[WebhookTarget, ...] = ()
    if targets.receiver is not None:
        webhooks = (
            WebhookTarget(
                name="bench", url=targets.receiver.url, secret=SECRET, phases=("opened", "closed")
            ),
        )
    mqtt = None
    if targets.broker is not None:
        mqtt = MqttSettings(host="127.0.0.1", port=targets.broker.port, phases=("opened", "closed"))
    return EventsSettings(webhooks=webhooks, mqtt=mqtt)


async def window(
    folder: Path, cameras: list[CameraId], rate: float, seconds: float, targets: Targets
) -> list[Row]:
    engine = create_engine(f"sqlite:///{folder / 'vms.db'}")
    shown = [MqttCamera(camera, camera) for camera in cameras]
    events = build_events(
        engine, SystemClock(), settings_for(targets, cameras), cameras=lambda: shown
    )
    async with contextlib.AsyncExitStack() as stack:
        subscriber = None
        if targets.broker is not None:
            subscriber = Subscriber(targets.broker, ["vms/+/events"])
            await stack.enter_async_context(subscriber)
        await events.delivery.deliverer.start()
        per_camera = rate / 60 / len(cameras)
        until = time.monotonic() + seconds
        cpu_before, wall_before = time.process_time(), time.monotonic()
        counts: list[int] = []
        threads = [
            threading.Thread(
                target=lambda c=camera: counts.append(report_events(events, c, per_camera, until))
            )
            for camera in cameras
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            await asyncio.to_thread(thread.join)
        expected = 2 * sum(counts)
        drained = time.monotonic() + 30
        while (
            targets.receiver is not None and len(targets.receiver.acknowledged()) < expected
        ) or (subscriber is not None and len(subscriber.got) < expected):
            if time.monotonic() > drained:
                break
            await asyncio.sleep(0.02)
        cpu = time.process_time() - cpu_before
        wall = time.monotonic() - wall_before
        await events.delivery.deliverer.stop()
    engine.dispose()
    base: Row = {
        "events": sum(counts),
        "events_per_min": round(sum(counts) / seconds * 60),
        "cpu_s": round(cpu, 2),
        "cpu_share_of_one_core": round(cpu / wall, 3),
    }
    rows: list[Row] = []
    if targets.receiver is not None:
        arrived = [
            (r.headers["x-vms-message-id"], r.received_ms, json.loads(r.body)["written_ms"])
            for r in targets.receiver.acknowledged()
        ]
        name = "webhook" if subscriber is None else "webhook (beside mqtt)"
        rows.append(base | {"target": name} | tally(arrived, expected))
    if subscriber is not None:
        bodies = [(json.loads(got.payload), got.received_ms) for got in subscriber.got]
        arrived = [(b["message_id"], at, b["written_ms"]) for b, at in bodies]
        rows.append(base | {"target": "mqtt"} | tally(arrived, expected))
    return rows or [base | {"target": "none (store only)"}]


def tally(arrived: list[tuple[str, int, int]], expected: int) -> Row:
    """Loss, duplicates and latency (arrival - `written_ms`) of (message id, arrival ms,
    written ms) triples."""
    ids = [message_id for message_id, _, _ in arrived]
    latencies = sorted(at - written for _, at, written in arrived)
    return {
        "messages": expected,
        "delivered": len(set(ids)),
        "lost": expected - len(set(ids)),
        "duplicates": len(ids) - len(set(ids)),
        "latency_ms_p50": statistics.median(latencies) if latencies else None,
        "latency_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
        "latency_ms_max": latencies[-1] if latencies else None,
    }


def run(quick: bool, rate: float, camera_count: int) -> list[Row]:
    seconds = 10 if quick else 60
    cameras = [CameraId(f"cam{n:02d}") for n in range(camera_count)]
    rows: list[Row] = []
    plans = [("none", False, False), ("webhook", True, False)]
    if Path(MOSQUITTO).exists():
        plans.append(("both", True, True))
    else:
        print(f"no {MOSQUITTO}: the MQTT window is left out (scripts/setup-system.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="vms-bench-events-") as temp:
        for name, webhook, mqtt in plans:
            folder = Path(temp) / name
            folder.mkdir()
            engine = create_engine(f"sqlite:///{folder / 'vms.db'}")
            migrate(engine)
            repo = CamerasRepo(engine, SystemClock())
            for camera in cameras:
                repo.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
            engine.dispose()
            targets = Targets(
                WebhookReceiver().start() if webhook else None,
                Mosquitto().start() if mqtt else None,
            )
            try:
                made = asyncio.run(window(folder, cameras, rate, seconds, targets))
            finally:
                if targets.receiver is not None:
                    targets.receiver.stop()
                if targets.broker is not None:
                    targets.broker.remove()
            if rows:  # what delivery adds to storing, charged to all the window's messages
                extra = float(made[0]["cpu_s"]) - float(rows[0]["cpu_s"])  # type: ignore[arg-type]
                messages = sum(int(row.get("messages") or 0) for row in made)  # type: ignore[call-overload]
                for row in made:
                    row["delivery_cpu_ms_per_message"] = round(extra * 1000 / (messages or 1), 3)
            rows += made
    return rows


def main() -> int:
    parser = bench_arguments(__doc__ or "", "10 s windows instead of 60 s")
    parser.add_argument("--rate", type=float, default=1000, help="events a minute, in all")
    parser.add_argument("--cameras", type=int, default=16)
    args = parser.parse_args()
    return report(run(args.quick, args.rate, args.cameras), args.json)


if __name__ == "__main__":
    sys.exit(main())
