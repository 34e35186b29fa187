"""Settings-page APIs against the real server: camera probe, zones, system health and metrics.

A real VMS process records a simulated camera while probes (good, refused, hung, too many) run
beside it; zones survive a restart and go with their camera; the history samples real figures.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from tests.support.simulator import RunningSimulator, simulator_process
from tests.support.sockets import silent_server
from tests.support.vms_process import VmsProcess, wait_for
from vms.media.clockcode import decode_clock

USER, PASSWORD = "admin", "cam-Pa55word"
ZONES: list[dict[str, Any]] = [
    {"name": "Driveway", "kind": "zone", "points": [[0.1, 0.5], [0.6, 0.5], [0.6, 0.95]]},
    {"name": "Gate line", "kind": "line", "points": [[0.2, 0.3], [0.8, 0.3]]},
]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP server that accepts connections and never answers (a hung camera)."""
    with silent_server() as port:
        yield port


def _segments(vms: VmsProcess) -> int:
    return len(vms.recordings("gate"))


def _probe(vms: VmsProcess, body: dict[str, Any]) -> httpx.Response:
    with httpx.Client(base_url=vms.base_url, auth=vms.basic_auth, timeout=30) as client:
        return client.post("/api/v1/cameras/probe", json=body)


def _check_probes(vms: VmsProcess, sim: RunningSimulator, silent_port: int) -> None:
    good = _probe(vms, {"url": sim.url(1), "username": USER, "password": PASSWORD})
    assert good.status_code == 200, good.text
    body = good.json()
    assert (body["video"]["codec"], body["video"]["width"], body["video"]["height"]) == (
        "h264",
        320,
        240,
    )
    assert body["audio"] is None
    jpeg = base64.b64decode(body["snapshot_jpeg"])
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert decoded is not None, "the snapshot is not a JPEG"
    picture = np.asarray(decoded, dtype=np.uint8)
    assert picture.shape == (240, 320)
    assert decode_clock(picture) is not None

    refused = _probe(vms, {"url": sim.url(1), "username": USER, "password": "not-it-123"})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "the camera refused the user name or password"
    assert "not-it-123" not in refused.text

    hung = {"url": f"rtsp://127.0.0.1:{silent_port}/x", "timeout_s": 3}
    with ThreadPoolExecutor(3) as pool:
        started = time.monotonic()
        answers = list(pool.map(lambda _: _probe(vms, hung), range(3)))
    assert time.monotonic() - started < 6
    assert sorted(a.status_code for a in answers) == [503, 504, 504], [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 503:  # the third at once: two probes run already
            assert int(answer.headers["Retry-After"]) > 0
        else:
            assert answer.json()["detail"].startswith("no video within 3 s")


@pytest.mark.slow
def test_probe_zones_health_and_metrics_beside_a_recording_camera(
    tmp_path: Path, vms_factory: list[VmsProcess], silent_port: int
) -> None:
    args = ["--size", "320x240", "--audio", "none", "--username", USER, "--password", PASSWORD]
    with simulator_process(*args) as sim:
        camera = {"id": "gate", "main_url": sim.url(1), "username": USER, "password": PASSWORD}
        vms = VmsProcess(tmp_path / "vms", [camera], segment_duration_s=5)
        vms_factory.append(vms)
        vms.start()
        api = vms.client
        assert wait_for(lambda: vms.stream_state("gate")["state"] == "streaming", 30)

        _check_probes(vms, sim, silent_port)
        before = _segments(vms)
        assert wait_for(lambda: _segments(vms) >= before + 1, 30), "recording stalled"
        assert vms.stream_state("gate")["state"] == "streaming"

        assert api.get("/api/v1/cameras/gate/zones").json() == []
        saved = api.put("/api/v1/cameras/gate/zones", json=ZONES)
        assert (saved.status_code, saved.json()) == (200, ZONES), saved.text
        bad = api.put("/api/v1/cameras/gate/zones", json=[{**ZONES[1], "points": [[0, 2]]}])
        assert bad.status_code == 422
        assert api.put("/api/v1/cameras/none/zones", json=ZONES).status_code == 404

        health = api.get("/api/v1/system/health").json()
        assert health["cameras"] == {"online": 1, "reconnecting": 0, "offline": 0, "total": 1}
        assert health["database"] == "ok"
        [pool] = health["pools"]
        assert pool["path"] == str(tmp_path / "vms" / "recordings")
        assert pool["media_bytes"] > 0
        assert pool["free_bytes"] > 0
        assert health["uptime_s"] > 0

        def fps_points() -> list[float]:
            params: dict[str, str | int] = {"window_s": 120, "name": "camera_fps"}
            series = api.get("/api/v1/system/metrics", params=params).json()["series"]
            return [p for s in series for p in s["points"] if p is not None]

        assert wait_for(lambda: any(p > 20 for p in fps_points()), 30), fps_points()
        metrics = api.get("/api/v1/system/metrics", params={"window_s": 120}).json()
        names = {s["name"] for s in metrics["series"]}
        assert {"process_cpu_percent", "process_rss_bytes", "pool_free_bytes"} <= names
        rss = next(s for s in metrics["series"] if s["name"] == "process_rss_bytes")
        assert any(p is not None and p > 10_000_000 for p in rss["points"])

        vms.stop()
        vms.start()
        assert api.get("/api/v1/cameras/gate/zones").json() == ZONES  # stored, not in memory
        assert api.delete("/api/v1/cameras/gate").status_code == 204
        assert api.post("/api/v1/cameras", json=camera).status_code == 201
        assert api.get("/api/v1/cameras/gate/zones").json() == []  # they went with the camera
