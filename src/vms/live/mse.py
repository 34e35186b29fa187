"""MSE over WebSocket, the way go2rtc and Frigate's MSE player do it: a JSON message with the MSE
type (`{"type":"mse","codecs":"video/mp4; codecs=\\"avc1.64001F,mp4a.40.2\\""}`), the init
segment, then every fragment as a binary message as soon as the packager muxes it.

Fragments go out per frame (the packager's one-sample moof+mdat pairs), not per LL-HLS part: a
browser can show a frame about one frame interval after the camera sent it, where a part would
hold it back up to `part_target_ms` (500 ms); the price is ~150 bytes of moof per fragment.
Each viewer has its own bounded queue that the packager fills on the event loop without waiting;
the viewer's sender drains it at the pace of its socket. When a slow viewer's queue is full, its
queued fragments are dropped and it resumes at the next keyframe fragment, so the packager and
the other viewers never wait for it; one whose socket accepts nothing for `SEND_STALL_S` is
dropped. A camera reconnect sends a new codecs message and init.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from vms.core.clock import Clock
from vms.core.ids import CameraId, StreamName
from vms.live.fmp4_window import InitSegment
from vms.live.metrics import LiveMetrics, LiveProtocol
from vms.live.packager import Packager, Packagers

log = logging.getLogger(__name__)

MAX_QUEUED_MESSAGES = 128  # about 2.5 s of fragments (video and audio) at 25 fps
MAX_QUEUED_BYTES = 8 * 2**20
SEND_STALL_S = 30.0  # a viewer whose socket takes one message no faster is dropped


class MessageKind(Enum):
    CODECS = "codecs"
    INIT = "init"
    MEDIA = "media"


@dataclass(frozen=True, slots=True)
class MseMessage:
    kind: MessageKind
    text: str = ""
    data: bytes = b""


class MseViewer:
    """One WebSocket viewer's queue; a `vms.live.packager.FragmentListener`."""

    def __init__(
        self,
        *,
        max_messages: int = MAX_QUEUED_MESSAGES,
        max_bytes: int = MAX_QUEUED_BYTES,
    ) -> None:
        self._queue: deque[MseMessage] = deque()
        self._queued_bytes = 0
        self._max_messages = max_messages
        self._max_bytes = max_bytes
        self._resync = True  # media must start with a keyframe fragment
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped = 0  # fragments this viewer lost (never sent)

    def on_init(self, init: InitSegment) -> None:
        """Codecs and init: never dropped (they are tiny and the player needs them)."""
        text = json.dumps({"type": "mse", "codecs": init.mime})
        self._queue.append(MseMessage(MessageKind.CODECS, text=text))
        self._queue.append(MseMessage(MessageKind.INIT, data=init.data))
        self._queued_bytes += len(init.data)
        self._resync = True
        self._ready.set()

    def on_media(self, data: bytes, keyframe: bool) -> None:
        if self._resync and not keyframe:
            self.dropped += 1
            return
        full = (
            len(self._queue) >= self._max_messages
            or self._queued_bytes + len(data) > self._max_bytes
        )
        if full:
            self._drop_queued_media()
            if not keyframe:
                self._resync = True
                self.dropped += 1
                return
        self._resync = False
        self._queue.append(MseMessage(MessageKind.MEDIA, data=data))
        self._queued_bytes += len(data)
        self._ready.set()

    def on_close(self) -> None:
        self._closed = True
        self._ready.set()

    def _drop_queued_media(self) -> None:
        kept: deque[MseMessage] = deque()
        for message in self._queue:
            if message.kind is MessageKind.MEDIA:
                self.dropped += 1
                self._queued_bytes -= len(message.data)
            else:
                kept.append(message)
        self._queue = kept

    async def next(self) -> MseMessage | None:
        """The next message to send; None once the packager stopped and the queue is empty."""
        while not self._queue:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        message = self._queue.popleft()
        self._queued_bytes -= len(message.data)
        return message


class MessageSink(Protocol):
    """Where a viewer's messages go: a WebSocket (Starlette's satisfies it)."""

    async def send_text(self, data: str) -> None: ...

    async def send_bytes(self, data: bytes) -> None: ...


class Mse:
    """Runs MSE viewers on the shared packagers, with their LiveMetrics."""

    def __init__(
        self,
        packagers: Packagers,
        metrics: LiveMetrics,
        clock: Clock,
        *,
        send_stall_s: float = SEND_STALL_S,
    ) -> None:
        self._packagers = packagers
        self._metrics = metrics
        self._clock = clock
        self._send_stall_s = send_stall_s

    async def open(self, camera: CameraId, stream: StreamName) -> Packager:
        """The stream's packager (404 unknown, 503 offline) before the socket is accepted."""
        try:
            return await self._packagers.get(camera, stream)
        except Exception:
            self._metrics.session_failed(camera, stream, LiveProtocol.MSE)
            raise

    async def run(self, packager: Packager, sink: MessageSink) -> None:
        """Send to `sink` until the packager stops or sending fails (the caller cancels it when
        the client leaves)."""
        camera, stream = packager.camera, packager.stream
        viewer = MseViewer()
        started_s = self._clock.monotonic()
        first_media = True
        self._metrics.session_opened(camera, stream, LiveProtocol.MSE)
        packager.add_listener(viewer)
        try:
            while (message := await viewer.next()) is not None:
                async with asyncio.timeout(self._send_stall_s):
                    if message.kind is MessageKind.CODECS:
                        await sink.send_text(message.text)
                        continue
                    await sink.send_bytes(message.data)
                self._metrics.bytes_sent(camera, stream, LiveProtocol.MSE, len(message.data))
                if first_media and message.kind is MessageKind.MEDIA:
                    first_media = False
                    seconds = self._clock.monotonic() - started_s
                    self._metrics.first_frame(camera, stream, LiveProtocol.MSE, seconds)
        except TimeoutError:
            log.info("MSE viewer of %s/%s stalled for %.0f s; dropped", camera, stream.value,
                     self._send_stall_s)  # fmt: skip
            self._metrics.session_failed(camera, stream, LiveProtocol.MSE)
        finally:
            packager.remove_listener(viewer)
            self._metrics.session_closed(camera, stream, LiveProtocol.MSE)


async def cancel_quietly(
    task: asyncio.Task[None], expected: tuple[type[Exception], ...] = ()
) -> None:
    """Cancel a task and wait for it, swallowing its cancellation and the `expected` errors it
    may already have ended with (a client that went away while a fragment was being sent)."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
    except expected:
        pass
