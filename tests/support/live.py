"""Test helper: a `vms serve` whose cameras stream, for the live-view end-to-end tests."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tests.support.simulator import RunningSimulator, free_port
from tests.support.vms_process import VmsProcess, wait_for


def live_camera(
    camera_id: str, sim: RunningSimulator, number: int = 1, *, sub: bool = False
) -> dict[str, Any]:
    """A camera (not recorded) pulling the simulator's camera `number` (and its sub stream)."""
    config: dict[str, Any] = {"id": camera_id, "main_url": sim.url(number), "record": False}
    if sub:
        config["sub_url"] = sim.url(number, "sub")
    return config


def dead_camera(camera_id: str = "dead") -> dict[str, Any]:
    """A camera nobody listens for: its stream stays offline."""
    return {"id": camera_id, "main_url": f"rtsp://127.0.0.1:{free_port()}/x", "record": False}


def is_streaming(vms: VmsProcess, camera_id: str, stream: str = "main") -> bool:
    return bool(vms.stream_state(camera_id, stream)["state"] == "streaming")


def has_keyframe(vms: VmsProcess, camera_id: str, stream: str = "main") -> bool:
    """True once the stream's hub holds a video keyframe, i.e. its GOP cache has begun: a
    snapshot decodes from it, and a live viewer that joins now starts at once from the cache."""
    path = f"/api/v1/cameras/{camera_id}/snapshot.jpg"
    return vms.client.get(path, params={"stream": stream}).status_code == 200


@contextlib.contextmanager
def streaming_vms(
    data_dir: Path,
    cameras: list[dict[str, Any]],
    streaming: Iterable[str],
    *,
    extra: dict[str, Any] | None = None,
) -> Iterator[VmsProcess]:
    """`vms serve` with `cameras`, once each of `streaming` ("camera" for its main stream or
    "camera/stream") streams; closed on exit."""
    process = VmsProcess(data_dir, cameras, extra=extra)
    process.start()
    try:
        for name in streaming:
            camera_id, _, stream = name.partition("/")
            ok = wait_for(functools.partial(is_streaming, process, camera_id, stream or "main"), 30)
            assert ok, process.log()[-3000:]
        yield process
    finally:
        process.close()


def assert_offline_at_once(vms: VmsProcess, path: str) -> None:
    """GET `path` of an offline camera: a 503 problem saying "offline", within a second."""
    started = time.monotonic()
    dead = vms.client.get(path)
    assert time.monotonic() - started < 1.0
    assert dead.status_code == 503
    assert dead.headers["content-type"] == "application/problem+json"
    assert "offline" in dead.json()["detail"]
