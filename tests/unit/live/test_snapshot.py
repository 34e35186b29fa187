"""Snapshots: the newest frame of the hub's GOP cache as JPEG, the short cache, and problems."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import av
import cv2
import numpy as np
import numpy.typing as npt
import pytest
from fastapi.testclient import TestClient

from tests.support.media import GeneratedStream, encode_video, generate_stream, video_packets
from tests.unit.live.test_packager_support import CAM, MAIN, Directory, live_app, publish
from vms.core.clock import FakeClock
from vms.core.errors import NotFoundError, UnavailableError
from vms.ingest.hub import StreamHub
from vms.live.snapshot import Snapshots, render_jpeg, take_gop
from vms.live.streams import LiveStreams
from vms.media.clockcode import decode_clock, encode_clock
from vms.media.packet import Packet, StreamInfo

CLOCK_START_MS = 1_790_000_000_000


def clock_stream(frames: int = 30, fps: int = 10) -> tuple[StreamInfo, list[Packet]]:
    """One GOP of 640x360 H.264 whose frames carry their wall clock (100 ms apart)."""

    def picture(index: int) -> av.VideoFrame:
        y_plane = np.full((360, 640), 120, dtype=np.uint8)
        encode_clock(y_plane, CLOCK_START_MS + index * 100)
        planes = np.concatenate([y_plane, np.full((360, 640), 128, dtype=np.uint8)])
        return av.VideoFrame.from_ndarray(planes[: 360 * 3 // 2], format="yuv420p")

    buffer = io.BytesIO()
    options = {"preset": "ultrafast", "g": str(frames * 2), "bf": "0"}
    pictures = (picture(index) for index in range(frames))
    encode_video(buffer, pictures, codec="libx264", fps=fps, size=(640, 360), options=options)
    return video_packets(buffer, lambda index, _pts_ms: CLOCK_START_MS + index * 100)


@pytest.fixture(scope="module")
def clocked() -> tuple[StreamInfo, list[Packet]]:
    return clock_stream()


def _image(jpeg: bytes) -> npt.NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


def test_the_newest_frame_is_rendered(clocked: tuple[StreamInfo, list[Packet]]) -> None:
    info, packets = clocked
    shot = render_jpeg(info, packets, None)
    image = _image(shot.jpeg)
    assert image.shape == (360, 640)
    assert decode_clock(image) == CLOCK_START_MS + 2900  # the last of 30 frames
    assert shot.wall_ms == CLOCK_START_MS + 2900
    small = render_jpeg(info, packets, 320)
    assert (small.width, small.height) == (320, 180)
    assert decode_clock(_image(small.jpeg)) == CLOCK_START_MS + 2900
    assert render_jpeg(info, packets, 4000).width == 640  # never scaled up


def test_a_gop_without_its_keyframe_is_refused(clocked: tuple[StreamInfo, list[Packet]]) -> None:
    info, packets = clocked
    with pytest.raises(UnavailableError, match="no keyframe"):
        render_jpeg(info, packets[1:], None)


@pytest.fixture
async def snapshots() -> AsyncIterator[tuple[Snapshots, StreamHub, FakeClock]]:
    directory = Directory()
    hub = directory.add()
    clock = FakeClock()
    yield Snapshots(LiveStreams(directory), clock), hub, clock


async def test_results_are_reused_briefly_and_decodes_are_shared(
    snapshots: tuple[Snapshots, StreamHub, FakeClock], clocked: tuple[StreamInfo, list[Packet]]
) -> None:
    shots, hub, clock = snapshots
    info, packets = clocked
    publish(hub, info, packets)
    first = await asyncio.gather(*(shots.snapshot(CAM, MAIN, None) for _ in range(8)))
    assert shots.decodes == 1 and len({s.jpeg for s in first}) == 1
    clock.advance(0.1)
    assert await shots.snapshot(CAM, MAIN, None) is first[0]
    await shots.snapshot(CAM, MAIN, 160)  # another size is another picture
    assert shots.decodes == 2
    clock.advance(0.2)
    await shots.snapshot(CAM, MAIN, None)
    assert shots.decodes == 3
    assert hub.stats().subscribers == 0  # the GOP was taken without staying subscribed


async def test_offline_unknown_and_no_keyframe_yet(
    snapshots: tuple[Snapshots, StreamHub, FakeClock], clocked: tuple[StreamInfo, list[Packet]]
) -> None:
    shots, hub, _clock = snapshots
    with pytest.raises(UnavailableError, match="offline"):
        await shots.snapshot(CAM, MAIN, None)
    with pytest.raises(NotFoundError, match="does not exist"):
        await shots.snapshot(CAM.__class__("ghost"), MAIN, None)
    info, packets = clocked
    publish(hub, info, packets[1:])  # joined mid-GOP: nothing decodable is cached yet
    with pytest.raises(UnavailableError, match="has not sent a keyframe yet"):
        await shots.snapshot(CAM, MAIN, None)
    assert take_gop(hub) == (info, [])


def test_route_serves_jpeg_and_problems(clocked: tuple[StreamInfo, list[Packet]]) -> None:
    directory = Directory()
    hub = directory.add()
    app, _live = live_app(directory, FakeClock())
    with TestClient(app) as client:
        assert client.get("/api/v1/cameras/cam1/snapshot.jpg").status_code == 503
        publish(hub, *clocked)
        response = client.get("/api/v1/cameras/cam1/snapshot.jpg", params={"width": 320})
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["vms-frame-time-ms"] == str(CLOCK_START_MS + 2900)
        assert _image(response.content).shape == (180, 320)
        unknown = client.get("/api/v1/cameras/ghost/snapshot.jpg")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        assert client.get("/api/v1/cameras/cam1/snapshot.jpg?width=8").status_code == 422


def test_generated_stream_snapshot_matches_its_last_frame() -> None:
    stream: GeneratedStream = generate_stream(duration_s=1.0, gop=25, audio=True)
    shot = render_jpeg(stream.info, list(stream.packets), None)
    assert (shot.width, shot.height) == (320, 240)
    assert shot.wall_ms == max(p.wall_ms for p in stream.packets if p.track == 0)
