"""Camera probe against the camera simulator: tracks, a fresh picture, and the camera's refusals."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from tests.support.simulator import RunningSimulator, simulator_process
from vms.core.clock import SystemClock
from vms.ingest.probe import ProbeFailedError, ProbeRequest, ProbeResult, probe_camera
from vms.media.clockcode import decode_clock

USER, PASSWORD = "admin", "s3cret!pw"


@pytest.fixture(scope="module")
def camera() -> Iterator[RunningSimulator]:
    args = ["--size", "640x360", "--username", USER, "--password", PASSWORD]
    with simulator_process(*args) as simulator:
        yield simulator


def _probe(request: ProbeRequest, timeout_s: float = 10.0) -> ProbeResult:
    return probe_camera(request, clock=SystemClock(), timeout_s=timeout_s)


def _picture(result: ProbeResult) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(result.snapshot_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None, "the snapshot is not a JPEG"
    return np.asarray(image, dtype=np.uint8)


def test_main_stream_tracks_and_a_fresh_keyframe(camera: RunningSimulator) -> None:
    clock = SystemClock()
    before_ms = clock.now_ms()
    result = _probe(ProbeRequest(camera.url(1, "main"), USER, PASSWORD))
    video = result.video
    assert (video.codec, video.width, video.height, video.fps) == ("h264", 640, 360, 25.0)
    assert video.profile
    assert result.audio is not None
    assert (result.audio.codec, result.audio.sample_rate, result.audio.channels) == (
        "aac",
        48000,
        1,
    )
    picture = _picture(result)
    assert picture.shape == (360, 640)
    burnt_in_ms = decode_clock(picture)
    assert burnt_in_ms is not None, "the picture carries no readable clock"
    assert before_ms - 5000 < burnt_in_ms <= clock.now_ms() + 500  # live, not a stale frame
    assert 0 < result.elapsed_ms < 10_000


def test_sub_stream_over_udp_with_credentials_in_the_url(camera: RunningSimulator) -> None:
    url = camera.url(1, "sub", credentials=f"{USER}:{PASSWORD.replace('!', '%21')}")
    result = _probe(ProbeRequest(url, transport="udp"))
    assert (result.video.width, result.video.height) == (320, 180)
    assert _picture(result).shape == (180, 320)


@pytest.mark.parametrize(
    ("request_args", "message"),
    [
        ((USER, "wrong"), "the camera refused the user name or password"),
        ((None, None), "the camera asks for a user name and password"),
    ],
)
def test_the_camera_refuses_credentials(
    camera: RunningSimulator, request_args: tuple[str | None, str | None], message: str
) -> None:
    with pytest.raises(ProbeFailedError) as failure:
        _probe(ProbeRequest(camera.url(1, "main"), *request_args))
    assert str(failure.value) == message


def test_a_path_the_camera_does_not_have(camera: RunningSimulator) -> None:
    url = f"{camera.base_url}/cam9/main"
    with pytest.raises(ProbeFailedError, match=r"no stream at /cam9/main \(404 Not Found\)"):
        _probe(ProbeRequest(url, USER, PASSWORD))


def test_hevc_without_audio_is_scaled_to_640_wide() -> None:
    args = ["--size", "1280x720", "--codec", "h265", "--audio", "none", "--gop-seconds", "1"]
    with simulator_process(*args) as simulator:
        # A 720p H.265 encoder on a loaded machine can take longer than the product's 10 s to
        # send its first keyframe; this test is about scaling, not about the time limit.
        result = _probe(ProbeRequest(simulator.url(1, "main")), timeout_s=60.0)
    assert (result.video.codec, result.video.width, result.video.height) == ("hevc", 1280, 720)
    assert result.audio is None
    picture = _picture(result)
    assert picture.shape == (360, 640)
    assert decode_clock(picture) is not None  # the clock survives the downscale
