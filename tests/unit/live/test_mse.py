"""MSE over WebSocket: the per-viewer queue, slow viewers, the WebSocket route and its problems."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from tests.support.media import GeneratedStream, generate_stream, shifted
from tests.unit.live.test_packager_support import (
    CAM,
    MAIN,
    Directory,
    decode_counts,
    publish,
    settle,
)
from vms.config.live import LlHlsSettings
from vms.core.clock import FakeClock
from vms.ingest.hub import StreamHub
from vms.live.fmp4_window import InitSegment
from vms.live.metrics import LiveMetrics
from vms.live.mse import MessageKind, Mse, MseViewer
from vms.live.packager import Packagers
from vms.live.service import LiveService
from vms.live.streams import LiveStreams
from vms.media.fmp4 import iter_boxes
from vms.media.fmp4_mux import fragment_tracks
from vms.media.packet import Packet, StreamInfo

INIT = InitSegment(7, b"\x00\x00\x00\x08ftyp", 'video/mp4; codecs="avc1.64001F"')
URL = "/api/v1/cameras/cam1/live.mp4"


@pytest.fixture(scope="module")
def stream() -> GeneratedStream:
    return generate_stream(duration_s=4.0, gop=25)


def _kinds(viewer: MseViewer) -> list[tuple[MessageKind, bytes]]:
    out: list[tuple[MessageKind, bytes]] = []
    while True:
        try:
            message = asyncio.run(asyncio.wait_for(viewer.next(), 0.01))
        except TimeoutError:
            return out
        assert message is not None
        out.append((message.kind, message.data))


def test_viewer_starts_on_a_keyframe_and_never_drops_codecs_or_init() -> None:
    viewer = MseViewer(max_messages=4)
    viewer.on_media(b"p0", False)  # before any keyframe: useless to a decoder
    viewer.on_init(INIT)
    viewer.on_media(b"p1", False)
    viewer.on_media(b"k1", True)
    viewer.on_media(b"p2", False)
    viewer.on_media(b"p3", False)  # the queue is full (4): queued media go, resync
    viewer.on_media(b"p4", False)
    viewer.on_media(b"k2", True)
    viewer.on_media(b"p5", False)
    assert viewer.dropped == 6  # p0, p1, k1, p2, p3, p4
    kinds = _kinds(viewer)
    assert kinds == [
        (MessageKind.CODECS, b""),
        (MessageKind.INIT, INIT.data),
        (MessageKind.MEDIA, b"k2"),
        (MessageKind.MEDIA, b"p5"),
    ]


def test_viewer_drops_by_bytes_too_and_keeps_a_keyframe_that_arrives_when_full() -> None:
    viewer = MseViewer(max_messages=100, max_bytes=10)
    viewer.on_media(b"k" * 6, True)
    viewer.on_media(b"k" * 6, True)  # would exceed 10 bytes: the first goes, this one stays
    assert viewer.dropped == 1
    assert _kinds(viewer) == [(MessageKind.MEDIA, b"k" * 6)]


class _Sink:
    """A WebSocket stand-in; `stuck` ones never finish sending their second message."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.texts: list[str] = []
        self.binaries: list[bytes] = []
        self._stuck = stuck

    async def send_text(self, data: str) -> None:
        self.texts.append(data)

    async def send_bytes(self, data: bytes) -> None:
        if self._stuck and self.binaries:
            await asyncio.Event().wait()
        self.binaries.append(data)


async def test_a_stuck_viewer_neither_blocks_the_packager_nor_another_viewer(
    stream: GeneratedStream,
) -> None:
    directory = Directory()
    hub = directory.add()
    metrics = LiveMetrics()
    packagers = Packagers(LlHlsSettings(), LiveStreams(directory), FakeClock())
    mse = Mse(packagers, metrics, FakeClock())
    hub.publish_info(stream.info)
    packager = await mse.open(CAM, MAIN)
    fast, stuck = _Sink(), _Sink(stuck=True)
    tasks = [asyncio.create_task(mse.run(packager, sink)) for sink in (fast, stuck)]
    await asyncio.sleep(0.05)
    for loop in range(3):  # 12 s of media, far more than a viewer's queue holds
        publish(hub, None, shifted(stream, offset_s=4.0 * loop))
        await settle(lambda: packager.backlog == 0)
        await asyncio.sleep(0.05)
    assert len(packager.view().segments) == 4  # the packager kept going
    assert len(stuck.binaries) == 1
    assert json.loads(fast.texts[0])["type"] == "mse"
    counts = decode_counts(fast.binaries[0] + b"".join(fast.binaries[1:]))
    assert counts["video"] >= 299  # every frame reached it (the newest waits in the muxer)
    samples = {s.protocol: s for s in metrics.live_samples()}
    assert samples["mse"].viewers == 2 and samples["mse"].first_frame_count == 1
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert metrics.live_samples()[0].viewers == 0
    assert packager.listeners == 0
    await packagers.stop()


def _paced(hub: StreamHub, packets: list[Packet], info: StreamInfo | None = None) -> None:
    """Publish from another thread at about 8x real time, as a camera would (in bursts)."""

    def run() -> None:
        publish(hub, info, [])
        for packet in packets:
            hub.publish(packet)
            time.sleep(0.005)

    threading.Thread(target=run, daemon=True).start()


def _video_samples(message: bytes) -> int:
    """Video samples in a message of one or more moof+mdat pairs."""
    count = 0
    for box in iter_boxes(io.BytesIO(message), len(message)):
        if box.type == "moof":
            moof = message[box.offset : box.end]
            count += sum(samples for track, samples in fragment_tracks(moof) if track == 1)
    return count


def test_websocket_sends_codecs_init_and_decodable_fragments(
    served: tuple[TestClient, StreamHub, LiveService], stream: GeneratedStream
) -> None:
    client, hub, live = served
    packets = list(stream.packets)
    publish(hub, stream.info, packets[:20])
    with client.websocket_connect(URL) as socket:
        hello = json.loads(socket.receive_text())
        assert hello["type"] == "mse"
        assert hello["codecs"].startswith('video/mp4; codecs="avc1.')
        assert hello["codecs"].endswith(',mp4a.40.2"')
        init = socket.receive_bytes()
        assert init[4:8] == b"ftyp"
        _paced(hub, packets[20:])
        body: list[bytes] = []
        while sum(_video_samples(m) for m in body) < 95:
            body.append(socket.receive_bytes())
            assert body[-1][4:8] == b"moof"
        assert decode_counts(init + b"".join(body))["video"] >= 95
        # A camera reconnect: a new codecs message and a new init segment, then media.
        hub.end("camera closed the stream")
        later = list(shifted(stream, offset_s=10.0, generation=2))
        _paced(hub, later, dataclasses.replace(stream.info, generation=2))
        message = socket.receive()
        while "text" not in message:
            message = socket.receive()
        assert json.loads(message["text"])["type"] == "mse"
        second_init = socket.receive_bytes()
        assert second_init[4:8] == b"ftyp"
        first = socket.receive_bytes()
        assert first[4:8] == b"moof" and _video_samples(first) == 1
    mse = [s for s in live.metrics.live_samples() if s.protocol == "mse"]
    assert mse[0].sessions_total == 1 and mse[0].bytes_out_total > 0


def test_websocket_refuses_unknown_and_offline_cameras_with_problems(
    served: tuple[TestClient, StreamHub, LiveService],
) -> None:
    client, _hub, live = served
    ghost = "/api/v1/cameras/ghost/live.mp4"
    with pytest.raises(WebSocketDenialResponse) as unknown, client.websocket_connect(ghost):
        pass
    assert unknown.value.status_code == 404
    assert unknown.value.headers["content-type"] == "application/problem+json"
    assert unknown.value.json()["detail"] == "camera 'ghost' does not exist"
    with pytest.raises(WebSocketDenialResponse) as offline, client.websocket_connect(URL):
        pass
    assert offline.value.status_code == 503 and "offline" in offline.value.json()["detail"]
    assert [s.session_errors_total for s in live.metrics.live_samples()] == [1, 1]


async def test_a_viewer_whose_socket_takes_nothing_is_dropped(stream: GeneratedStream) -> None:
    directory = Directory()
    hub = directory.add()
    metrics = LiveMetrics()
    packagers = Packagers(LlHlsSettings(), LiveStreams(directory), FakeClock())
    mse = Mse(packagers, metrics, FakeClock(), send_stall_s=0.2)
    hub.publish_info(stream.info)
    packager = await mse.open(CAM, MAIN)
    stuck = _Sink(stuck=True)
    run = asyncio.create_task(mse.run(packager, stuck))
    publish(hub, None, stream.packets)
    await asyncio.wait_for(run, 5)  # returns by itself once a send stalls
    assert packager.listeners == 0
    (sample,) = metrics.live_samples()
    assert (sample.viewers, sample.session_errors_total) == (0, 1)
    await packagers.stop()
