"""Motion events end to end: a real `vms serve` watching a simulated camera whose bar moves in
bursts; events open and close with the bursts, carry the zone and a snapshot, stream live over
server-sent events, are searchable, and their clip plays from the recordings in ffprobe.
And `vms demo` (what `make run` starts) produces such events by itself."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import httpx
import numpy as np
import pytest

from tests.support.motion import MOTION_SIMULATOR_ARGS, ON_S, PERIOD_S, detect_motion_in_scene
from tests.support.simulator import free_port, simulator_process
from tests.support.vms_process import ADMIN, ADMIN_PASSWORD, REPO, VmsProcess, wait_for
from tests.support.webhook_receiver import WebhookReceiver
from vms.events.signing import SIGNATURE_HEADER, verify
from vms.media.clockcode import decode_clock

pytestmark = pytest.mark.slow


WEBHOOK_SECRET = "events-e2e-webhook-secret"


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def vms(
    tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver
) -> Iterator[VmsProcess]:
    webhook = {"name": "panel", "url": receiver.url, "secret": WEBHOOK_SECRET}
    with simulator_process(*MOTION_SIMULATOR_ARGS) as sim:
        camera = {"id": "cam", "main_url": sim.url(1), "sub_url": sim.url(1, "sub")}
        process = VmsProcess(
            tmp_path_factory.mktemp("events"),
            [camera],
            segment_duration_s=5,
            extra={"analytics": {"motion_cooldown_s": 1.5}, "events": {"webhooks": [webhook]}},
        )
        process.start()
        try:
            detect_motion_in_scene(process.client, "cam")
            yield process
        finally:
            process.close()


def closed_events(vms: VmsProcess, **query: Any) -> list[dict[str, Any]]:
    page = vms.client.get("/api/v1/events", params={"camera": "cam", **query})
    assert page.status_code == 200, page.text
    return [e for e in page.json()["events"] if e["end_ms"] is not None]


def whole_burst(event: dict[str, Any]) -> bool:
    """Whether the event began with a burst (the first one may begin when detection was
    switched on, in the middle of one)."""
    return bool(event["start_ms"] % (PERIOD_S * 1000) < 1000)


def read_sse(response: httpx.Response, wanted: set[str], timeout_s: float) -> list[dict[str, Any]]:
    """(phase, event) messages until every phase in `wanted` came for one whole-burst event."""
    messages: list[dict[str, Any]] = []
    phases: dict[str, set[str]] = {}
    deadline = time.monotonic() + timeout_s
    phase = ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            phase = line.removeprefix("event: ")
        elif line.startswith("data: "):
            event = json.loads(line.removeprefix("data: "))
            messages.append({"phase": phase, **event})
            seen = phases.setdefault(event["id"], set())
            seen.add(phase)
            if wanted <= seen and whole_burst(event):
                return messages
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"no event went through {wanted} in {timeout_s} s: {messages}")


def test_a_burst_opens_and_closes_one_event_streamed_live(vms: VmsProcess) -> None:
    with (
        httpx.Client(base_url=vms.base_url, auth=vms.basic_auth, timeout=60) as client,
        client.stream("GET", "/api/v1/events/stream", params={"camera": "cam"}) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        messages = read_sse(stream, {"opened", "closed"}, timeout_s=4 * PERIOD_S)
    # The event seen from its opening: another may have opened before the stream did and
    # closed first (on a loaded machine).
    opened_ids = {m["id"] for m in messages if m["phase"] == "opened"}
    closed = next(
        m for m in messages if m["phase"] == "closed" and whole_burst(m) and m["id"] in opened_ids
    )
    opened = next(m for m in messages if m["phase"] == "opened" and m["id"] == closed["id"])
    assert opened["end_ms"] is None and opened["label"] == "motion"
    assert closed["zones"] == ["Scene"]
    assert 0.01 < closed["score"] < 0.9
    duration_s = (closed["end_ms"] - closed["start_ms"]) / 1000
    assert ON_S - 1 <= duration_s <= ON_S + 2, closed  # the burst, not the stills around it
    assert (
        closed["clip"]["start_ms"]
        < closed["start_ms"]
        < closed["end_ms"]
        < closed["clip"]["end_ms"]
    )
    picture = vms.client.get(closed["snapshot_url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(picture.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] == 320  # the sub stream's width


def test_still_time_between_bursts_opens_nothing(vms: VmsProcess) -> None:
    assert wait_for(lambda: len(closed_events(vms)) >= 3, 5 * PERIOD_S)
    events = sorted(filter(whole_burst, closed_events(vms)), key=lambda e: e["start_ms"])
    assert len(events) >= len(closed_events(vms)) - 1  # all but one begun when switched on
    for before, after in itertools.pairwise(events):
        assert after["start_ms"] - before["end_ms"] >= (PERIOD_S - ON_S - 2) * 1000
        gap_s = (after["start_ms"] - before["start_ms"]) / 1000
        assert gap_s == pytest.approx(PERIOD_S, abs=1.0)


def test_search_filters_and_pages(vms: VmsProcess) -> None:
    assert wait_for(lambda: len(closed_events(vms)) >= 2, 4 * PERIOD_S)
    every = closed_events(vms)
    assert closed_events(vms, zone="Scene", label="motion") == every
    assert closed_events(vms, zone="Elsewhere") == []
    assert closed_events(vms, min_score=0.95) == []
    newest = every[0]
    assert [e["id"] for e in closed_events(vms, start=newest["start_ms"])] == [newest["id"]]
    first = vms.client.get("/api/v1/events", params={"limit": 1}).json()
    assert len(first["events"]) == 1 and first["next_cursor"]
    second = vms.client.get("/api/v1/events", params={"limit": 1, "cursor": first["next_cursor"]})
    assert second.json()["events"][0]["start_ms"] <= first["events"][0]["start_ms"]
    assert vms.client.get("/api/v1/events/labels").json() == ["motion"]
    refused = vms.client.get("/api/v1/events", params={"start": "yesterday"})
    assert refused.status_code == 422
    assert "ISO-8601" in refused.json()["detail"] + json.dumps(refused.json())
    assert vms.client.get("/api/v1/events/nope").status_code == 404
    metrics = vms.client.get("/metrics").text
    assert 'vms_motion_events_total{camera="cam",stream="sub"}' in metrics
    assert 'vms_motion_frames_compared_total{camera="cam",stream="sub"}' in metrics
    with httpx.Client(base_url=vms.base_url, timeout=10) as anonymous:
        assert anonymous.get("/api/v1/events").status_code == 401
        assert anonymous.get(newest["snapshot_url"]).status_code == 401


def test_an_event_clip_plays_from_the_recordings(vms: VmsProcess) -> None:
    # the newest of two: the first may begin before recording did (VMS had just started)
    assert wait_for(lambda: len(closed_events(vms)) >= 2, 4 * PERIOD_S)
    event = closed_events(vms)[0]
    clip = event["clip"]
    # the clip's last segment closes a few seconds after the event (5 s segments)
    assert wait_for(lambda: _recorded_until(vms) >= clip["end_ms"], 30)
    url = (
        f"{vms.base_url}/api/v1/cameras/cam/vod.m3u8?start={clip['start_ms']}&end={clip['end_ms']}"
    )
    headers = "".join(f"{name}: {value}\r\n" for name, value in vms.auth_header.items())
    clocks = []
    with av.open(url, options={"headers": headers}) as container:
        for frame in container.decode(video=0):
            clocks.append(decode_clock(np.asarray(frame.to_ndarray(format="gray"), np.uint8)))
    shown = [c for c in clocks if c is not None]
    assert len(shown) >= 10 * (clip["end_ms"] - clip["start_ms"]) / 1000 * 0.8  # 10 fps
    # the clip starts at the keyframe before its start (1 s GOPs) and shows the whole event
    assert clip["start_ms"] - 1500 <= shown[0] <= clip["start_ms"]
    assert shown[-1] >= event["end_ms"]


def _recorded_until(vms: VmsProcess) -> int:
    return max((r["end_ms"] for r in vms.recordings("cam")), default=0)


def test_a_webhook_receives_each_event_signed_and_the_api_shows_the_target(
    vms: VmsProcess, receiver: WebhookReceiver
) -> None:
    def delivered_closed() -> list[dict[str, Any]]:
        bodies = [json.loads(r.body) for r in receiver.acknowledged()]
        return [b for b in bodies if b["type"] == "event.closed"]

    assert wait_for(lambda: len(delivered_closed()) >= 1, 60), receiver.requests
    for request in receiver.acknowledged():
        signature = request.headers[SIGNATURE_HEADER.lower()]
        verify(WEBHOOK_SECRET, signature, request.body, time.time())
    closed = delivered_closed()[0]["event"]
    stored = vms.client.get(f"/api/v1/events/{closed['id']}").json()
    assert {k: stored[k] for k in ("camera_id", "label", "start_ms", "end_ms", "zones")} == {
        k: closed[k] for k in ("camera_id", "label", "start_ms", "end_ms", "zones")
    }
    opened = [json.loads(r.body) for r in receiver.acknowledged()]
    assert any(b["type"] == "event.opened" and b["event"]["id"] == closed["id"] for b in opened)
    (target,) = vms.client.get("/api/v1/delivery/targets").json()
    assert target["name"] == "panel" and target["destination"] == receiver.url
    assert target["state"] == "ok" and target["delivered"] >= 2 and target["dead"] == 0
    test = vms.client.post("/api/v1/delivery/targets/panel/test")
    assert test.status_code == 200, test.text
    assert receiver.requests[-1].headers["x-vms-message-id"] == test.json()["message_id"]
    missing = vms.client.get("/api/v1/delivery/targets/nowhere")
    assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]


def test_vms_demo_makes_motion_events_by_itself(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "VMS_ADMIN_PASSWORD": ADMIN_PASSWORD, "PYTHONPATH": str(REPO / "src")}
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vms.cli",
            "demo",
            "--cameras",
            "1",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", auth=(ADMIN, ADMIN_PASSWORD), timeout=10
        ) as client:

            def has_event() -> bool:
                try:
                    events = client.get("/api/v1/events").json()["events"]
                except (httpx.HTTPError, ValueError, KeyError):
                    return False
                return any(e["zones"] == ["Scene"] and e["camera_id"] == "cam1" for e in events)

            assert wait_for(has_event, 180, poll_s=1), (tmp_path / "demo.log").read_text()[-3000:]
            camera = client.get("/api/v1/cameras/cam1").json()
            assert camera["motion"] is True
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(30)
        finally:
            demo.kill()
            log.close()
