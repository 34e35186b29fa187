"""Benchmark: event delivery through the outbox to a webhook: latency from commit, loss, CPU.

Usage: python bench/events.py [--quick] [--json PATH] [--rate 1000] [--cameras 16]
       (--quick: 10 s windows instead of 60 s, about 30 s in all)

In this process: the events room as `vms serve` builds it (SQLite file, outbox, deliverer) and
`--cameras` threads that each report events (opened, then closed 0.5 s later) so that
`--rate` events a minute happen in all; one webhook target that takes both phases, answered by
a real HTTP receiver on 127.0.0.1 (its own thread). Two windows one after the other with the
same load: first with no target (storing events only), then with the webhook; the CPU of this
process in each says what delivery adds. Latency is from the message's `written_ms` (the clock
read just before the event's transaction commits) to the receiver's arrival time. Loss and
duplicates are counted by message id after the deliverer has emptied the outbox.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.webhook_receiver import WebhookReceiver

from bench.support import Row, bench_arguments, report
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.config.events import EventsSettings, WebhookTarget
from vms.core.bus import EventReported
from vms.core.clock import SystemClock
from vms.core.ids import CameraId
from vms.db.engine import create_engine, migrate
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


async def window(
    folder: Path,
    cameras: list[CameraId],
    rate: float,
    seconds: float,
    receiver: WebhookReceiver | None,
) -> Row:
    url = f"sqlite:///{folder / 'vms.db'}"
    engine = create_engine(url)
    targets: tuple[WebhookTarget, ...] = ()
    if receiver is not None:
        targets = (
            WebhookTarget(
                name="bench", url=receiver.url, secret=SECRET, phases=("opened", "closed")
            ),
        )
    events = build_events(engine, SystemClock(), EventsSettings(webhooks=targets))
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
    while receiver is not None and len(receiver.acknowledged()) < expected:
        if time.monotonic() > drained:
            break
        await asyncio.sleep(0.02)
    cpu = time.process_time() - cpu_before
    wall = time.monotonic() - wall_before
    await events.delivery.deliverer.stop()
    engine.dispose()
    row: Row = {
        "target": "webhook" if receiver is not None else "none (store only)",
        "events": sum(counts),
        "events_per_min": round(sum(counts) / seconds * 60),
        "cpu_s": round(cpu, 2),
        "cpu_share_of_one_core": round(cpu / wall, 3),
    }
    if receiver is not None:
        arrived = receiver.acknowledged()
        ids = [r.headers["x-vms-message-id"] for r in arrived]
        latencies = sorted(r.received_ms - json.loads(r.body)["written_ms"] for r in arrived)
        row |= {
            "messages": expected,
            "delivered": len(set(ids)),
            "lost": expected - len(set(ids)),
            "duplicates": len(ids) - len(set(ids)),
            "latency_ms_p50": statistics.median(latencies) if latencies else None,
            "latency_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
            "latency_ms_max": latencies[-1] if latencies else None,
        }
    return row


def run(quick: bool, rate: float, camera_count: int) -> list[Row]:
    seconds = 10 if quick else 60
    cameras = [CameraId(f"cam{n:02d}") for n in range(camera_count)]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="vms-bench-events-") as temp:
        for with_target in (False, True):
            folder = Path(temp) / ("webhook" if with_target else "none")
            folder.mkdir()
            engine = create_engine(f"sqlite:///{folder / 'vms.db'}")
            migrate(engine)
            repo = CamerasRepo(engine, SystemClock())
            for camera in cameras:
                repo.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
            engine.dispose()
            receiver = WebhookReceiver().start() if with_target else None
            try:
                rows.append(asyncio.run(window(folder, cameras, rate, seconds, receiver)))
            finally:
                if receiver is not None:
                    receiver.stop()
    if len(rows) == 2:
        extra = float(rows[1]["cpu_s"]) - float(rows[0]["cpu_s"])  # type: ignore[arg-type]
        messages = rows[1].get("messages") or 1
        rows[1]["delivery_cpu_ms_per_message"] = round(extra * 1000 / float(messages), 3)  # type: ignore[arg-type]
    return rows


def main() -> int:
    parser = bench_arguments(__doc__ or "", "10 s windows instead of 60 s")
    parser.add_argument("--rate", type=float, default=1000, help="events a minute, in all")
    parser.add_argument("--cameras", type=int, default=16)
    args = parser.parse_args()
    return report(run(args.quick, args.rate, args.cameras), args.json)


if __name__ == "__main__":
    sys.exit(main())
