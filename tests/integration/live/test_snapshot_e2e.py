"""Snapshots end to end: JPEGs of a simulated pattern camera from the real `vms serve`.

One VMS process serves, for the module, `front` (pattern with the wall clock burnt in, main and
sub streams) and `dead` (nobody listening).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from tests.support.live import assert_offline_at_once, dead_camera, live_camera, streaming_vms
from tests.support.load import allowance_ms
from tests.support.simulator import simulator_process
from tests.support.vms_process import VmsProcess
from vms.media.clockcode import decode_clock

SNAPSHOT = "/api/v1/cameras/{camera}/snapshot.jpg"


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    with simulator_process("--size", "640x360", "--audio", "none", "--gop-seconds", "2") as front:
        cameras = [live_camera("front", front, sub=True), dead_camera()]
        folder = tmp_path_factory.mktemp("snapshot") / "vms"
        with streaming_vms(folder, cameras, ["front", "front/sub"]) as process:
            yield process


def _gray(jpeg: bytes) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None, "not a JPEG"
    return np.asarray(image, dtype=np.uint8)


@pytest.mark.parametrize(("stream", "width", "size"), [("main", None, (360, 640)),
                                                       ("sub", None, (180, 320)),
                                                       ("main", 320, (180, 320))])  # fmt: skip
def test_snapshot_shows_the_newest_frame(
    vms: VmsProcess, stream: str, width: int | None, size: tuple[int, int]
) -> None:
    delays_ms = []
    for _ in range(3):
        params: dict[str, str | int] = {"stream": stream}
        if width is not None:
            params["width"] = width
        response = vms.client.get(SNAPSHOT.format(camera="front"), params=params)
        now_ms = time.time() * 1000
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/jpeg"
        image = _gray(response.content)
        assert image.shape == size
        clock_ms = decode_clock(image)
        assert clock_ms is not None
        delays_ms.append(now_ms - clock_ms)
        time.sleep(0.7)  # past the 200 ms cache: a newer frame each time
    assert all(-200 < d < allowance_ms(2500) for d in delays_ms), delays_ms


def test_offline_and_unknown_cameras_are_problems(vms: VmsProcess) -> None:
    assert_offline_at_once(vms, SNAPSHOT.format(camera="dead"))
    ghost = vms.client.get(SNAPSHOT.format(camera="ghost"))
    assert ghost.status_code == 404 and ghost.json()["detail"] == "camera 'ghost' does not exist"
    no_sub = vms.client.get(SNAPSHOT.format(camera="dead"), params={"stream": "sub"})
    assert no_sub.status_code == 404 and "no sub stream" in no_sub.json()["detail"]
    bad = vms.client.get(SNAPSHOT.format(camera="front"), params={"width": 4})
    assert bad.status_code == 422
