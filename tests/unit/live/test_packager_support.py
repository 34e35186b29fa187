"""Shared pieces of the live fMP4 tests: a hub directory, H.265 packets, feeding and decoding."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable, Iterable

import av
import numpy as np
from fastapi import APIRouter, FastAPI

from tests.support.auth import shared_auth
from tests.support.media import WALL_START_MS, encode_video, video_packets
from vms.api.doors import Doors
from vms.api.problems import register_problem_handlers
from vms.api.routes import live_hls, snapshot
from vms.config.live import LiveSettings, LlHlsSettings
from vms.core.clock import Clock
from vms.core.ids import CameraId, StreamName
from vms.ingest.health import SourceHealth
from vms.ingest.hub import StreamHub
from vms.live.packager import Packager
from vms.live.service import LiveService
from vms.media.packet import Packet, StreamInfo

CAM = CameraId("cam1")
MAIN = StreamName.MAIN


class Directory:
    """The cameras' hubs, as `vms.live.streams.HubDirectory` sees a CameraSupervisor."""

    def __init__(self) -> None:
        self.hubs: dict[tuple[CameraId, StreamName], StreamHub] = {}

    def add(self, camera: CameraId = CAM, stream: StreamName = MAIN) -> StreamHub:
        hub = self.hubs[(camera, stream)] = StreamHub(f"{camera}/{stream.value}")
        return hub

    def hub(self, camera_id: CameraId, stream: StreamName) -> StreamHub | None:
        return self.hubs.get((camera_id, stream))

    def health(self, camera_id: CameraId) -> dict[StreamName, SourceHealth]:
        return {}

    def camera_ids(self) -> list[CameraId]:
        return sorted({camera for camera, _ in self.hubs})


def publish(hub: StreamHub, info: StreamInfo | None, packets: Iterable[Packet]) -> None:
    if info is not None:
        hub.publish_info(info)
    for packet in packets:
        hub.publish(packet)


async def settle(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Let the event loop run (the packager works there) until `condition` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the condition did not hold in time")
        await asyncio.sleep(0.005)


async def drained(packager: Packager) -> None:
    """Wait until the packager has handled everything published so far."""
    await settle(lambda: packager.backlog == 0)
    await asyncio.sleep(0)


def decode_counts(data: bytes) -> dict[str, int]:
    """Frames PyAV decodes per stream type from an fMP4 byte string."""
    counts: dict[str, int] = {}
    with av.open(io.BytesIO(data), "r") as container:
        for stream in container.streams:
            counts.setdefault(stream.type, 0)
        for frame in container.decode(*container.streams):
            kind = "video" if isinstance(frame, av.VideoFrame) else "audio"
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def hevc_stream(frames: int = 50, fps: int = 25, gop: int = 25) -> tuple[StreamInfo, list[Packet]]:
    """H.265 packets (libx265, Annex B parameter sets in an hvcC) as a Source would hand them."""
    buffer = io.BytesIO()
    pictures = (
        av.VideoFrame.from_ndarray(
            np.full((240, 320, 3), (index * 5) % 255, dtype=np.uint8), format="rgb24"
        )
        for index in range(frames)
    )
    x265 = f"log-level=none:keyint={gop}:min-keyint={gop}:bframes=0"
    encode_video(
        buffer, pictures, codec="libx265", fps=fps, size=(320, 240), options={"x265-params": x265}
    )
    return video_packets(buffer, lambda _index, pts_ms: WALL_START_MS + pts_ms)


def live_app(
    directory: Directory, clock: Clock, llhls: LlHlsSettings | None = None
) -> tuple[FastAPI, LiveService]:
    """The live-view routes over `directory`, as `vms.api.app` mounts them; stops on exit."""
    settings = LiveSettings(rtsp_restream=False, llhls=llhls or LlHlsSettings())
    live = LiveService(settings, directory, clock, host="127.0.0.1", rtsp_port=8554)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await live.stop()

    app = FastAPI(lifespan=lifespan)
    register_problem_handlers(app)
    app.state.doors = Doors(auth=shared_auth(), live=live)
    api = APIRouter(prefix="/api/v1")
    api.include_router(live_hls.router)
    api.include_router(snapshot.router)
    app.include_router(api)
    return app, live
