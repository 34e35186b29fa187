"""Snapshots: a JPEG of a camera stream's newest frame, decoded from its hub's GOP cache.

The hub keeps the packets since the last keyframe, so a snapshot subscribes for an instant to take
them, decodes them with PyAV on a worker thread (never on the event loop) and encodes the last
frame as JPEG (`vms.media.jpeg`), scaled down to `width` if asked. A result younger than
`max_age_s` is reused and concurrent requests for the same picture share one decode, so a wall of
thumbnails polling every second decodes each stream's GOP about once per poll, not once per viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import av
import av.error

from vms.core.clock import Clock
from vms.core.errors import UnavailableError
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.live.streams import LiveStreams
from vms.media.decode import VideoDecoder
from vms.media.jpeg import encode_jpeg, scaled_to_width
from vms.media.packet import MediaKind, Packet, PacketsDropped, StreamEnded, StreamInfo
from vms.media.sink import deliver

CACHE_MAX_AGE_S = 0.2
_CACHE_KEEP_S = 10.0
_MAX_GOP_ITEMS = 4096


@dataclass(frozen=True, slots=True)
class Snapshot:
    jpeg: bytes
    wall_ms: int  # wall clock of the frame
    width: int
    height: int


class _Gop:
    """A Sink that keeps the tracks and the packets since the last `StreamInfo`."""

    def __init__(self) -> None:
        self.info: StreamInfo | None = None
        self.packets: list[Packet] = []

    def on_info(self, info: StreamInfo) -> None:
        self.info, self.packets = info, []

    def on_packet(self, packet: Packet) -> None:
        self.packets.append(packet)

    def on_dropped(self, dropped: PacketsDropped) -> None:
        """Not at subscribe time (the queue starts with the cache); later ones change nothing."""

    def on_ended(self, ended: StreamEnded) -> None:
        """Kept: the GOP taken is still the camera's newest picture."""


def take_gop(hub: StreamHub) -> tuple[StreamInfo | None, list[Packet]]:
    """The hub's current tracks and cached packets (from the last keyframe), without waiting."""
    subscription = hub.subscribe("snapshot", max_items=2)
    try:
        gop = _Gop()
        for _ in range(_MAX_GOP_ITEMS):
            item = subscription.get_nowait()
            if item is None:
                break
            deliver(item, gop)
        return gop.info, gop.packets
    finally:
        subscription.close()


def render_jpeg(info: StreamInfo, packets: list[Packet], width: int | None) -> Snapshot:
    """Decode the video packets (from a keyframe) and JPEG-encode the last frame. Blocking."""
    track = info.video_track
    if track is None:
        raise UnavailableError("the stream has no video")
    params = info.tracks[track]
    video = [p for p in packets if p.track == track]
    if not video or not video[0].keyframe:
        raise UnavailableError("no keyframe has arrived yet; try again in a few seconds")
    try:
        decoder = VideoDecoder(params, threads=None)
    except ValueError as exc:
        raise UnavailableError(str(exc)) from None
    last: tuple[av.VideoFrame, int] | None = None
    for packet in video:
        frames = decoder.decode(packet)
        if decoder.errors:  # keep the newest frame decoded before the trouble
            break
        last = frames[-1] if frames else last
    else:
        last = _newest(decoder.flush()) or last
    if last is None:
        detail = f": {decoder.last_error}" if decoder.last_error else ""
        raise UnavailableError(f"the newest frames could not be decoded{detail}")
    newest, wall_ms = last
    frame = scaled_to_width(newest, width)
    jpeg = encode_jpeg(frame)
    if jpeg is None:
        raise UnavailableError("the frame could not be encoded as JPEG")
    return Snapshot(jpeg, wall_ms, frame.width, frame.height)


def _newest(frames: list[tuple[av.VideoFrame, int]]) -> tuple[av.VideoFrame, int] | None:
    return frames[-1] if frames else None


_Key = tuple[CameraId, StreamName, int | None]


class Snapshots:
    """JPEG snapshots with a short cache and shared in-flight decodes; use on the event loop."""

    def __init__(
        self, streams: LiveStreams, clock: Clock, *, max_age_s: float = CACHE_MAX_AGE_S
    ) -> None:
        self._streams = streams
        self._clock = clock
        self._max_age_s = max_age_s
        self._cache: dict[_Key, tuple[float, Snapshot]] = {}
        self._inflight: dict[_Key, asyncio.Task[Snapshot]] = {}
        self.decodes = 0  # GOPs decoded (for tests and the bench)

    async def snapshot(self, camera: CameraId, stream: StreamName, width: int | None) -> Snapshot:
        """The newest frame; 404 unknown camera, 503 offline or no keyframe yet."""
        hub, _info = self._streams.live_hub(camera, stream)
        key = (camera, stream, width)
        cached = self._cache.get(key)
        if cached is not None and self._clock.monotonic() - cached[0] <= self._max_age_s:
            return cached[1]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._render(key, hub), name=f"snapshot-{camera}")
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    def _finished(self, key: _Key, task: asyncio.Task[Snapshot]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved: an error is re-raised to every awaiting request

    async def _render(self, key: _Key, hub: StreamHub) -> Snapshot:
        camera, stream, width = key
        info, packets = take_gop(hub)
        if info is None:
            raise UnavailableError(self._streams.offline_reason(camera, stream))
        if not any(p.keyframe for p in packets if info.tracks[p.track].kind is MediaKind.VIDEO):
            raise UnavailableError(
                f"camera {camera!r} {stream.value} stream has not sent a keyframe yet; "
                "try again in a few seconds"
            )
        try:
            snapshot = await asyncio.to_thread(render_jpeg, info, packets, width)
        except UnavailableError as exc:
            raise UnavailableError(f"camera {camera!r} {stream.value} stream: {exc}") from None
        self.decodes += 1
        now = self._clock.monotonic()
        self._cache[key] = (now, snapshot)
        for old, (at, _snap) in list(self._cache.items()):
            if now - at > _CACHE_KEEP_S:
                with contextlib.suppress(KeyError):
                    del self._cache[old]
        return snapshot
