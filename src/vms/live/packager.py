"""Live fMP4 packager: one per camera stream, fed by its hub, shared by LL-HLS and MSE viewers.

Started by the first request for a stream and stopped `live.llhls.idle_stop_s` after the last one
(never while an MSE viewer is attached). It subscribes to the hub (so it starts on the GOP cache's
keyframe), muxes by stream copy (`vms.media.fmp4_mux`) and files the fragments into the window of
parts and segments (`vms.live.fmp4_window`); MSE viewers get every fragment as it comes out.

It runs on the event loop through an AsyncFeed rather than on a thread of its own: muxing and
filing cost about 10-20 µs per packet (bench/live_llhls.py, `mux_us_per_packet`: 18 µs at 720p),
1-2 ms of loop time per camera-second, less than the thread wake-ups and GIL hand-offs a worker
thread would add; a burst (the GOP cache at start) yields to the loop every `_BATCH` packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

import av.error

from vms.config.live import LlHlsSettings
from vms.core.clock import Clock
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.live.feed import AsyncFeed
from vms.live.fmp4_window import InitSegment, LiveWindow, WindowView
from vms.live.streams import LiveStreams
from vms.media.codec_string import mime_type
from vms.media.fmp4_mux import FragmentMuxer, MuxedFragment
from vms.media.packet import Packet, PacketsDropped, StreamEnded, StreamInfo
from vms.media.sink import deliver

log = logging.getLogger(__name__)

_BATCH = 64  # packets handled before yielding to the event loop
_QUEUE_ITEMS = 2048  # the packager's hub queue: a few seconds of packets
SWEEP_INTERVAL_S = 1.0


class FragmentListener(Protocol):
    """An MSE viewer: called on the event loop, must not block."""

    def on_init(self, init: InitSegment) -> None: ...

    def on_media(self, data: bytes, keyframe: bool) -> None: ...

    def on_close(self) -> None: ...


class Packager:
    """The live window of one camera stream, a Sink of its hub; create and use on the event loop."""

    def __init__(
        self,
        camera: CameraId,
        stream: StreamName,
        hub: StreamHub,
        settings: LlHlsSettings,
        clock: Clock,
    ) -> None:
        self.camera = camera
        self.stream = stream
        self.hub = hub
        self._clock = clock
        self.window = LiveWindow(
            part_target_us=settings.part_target_ms * 1000,
            window_segments=settings.window_segments,
            first_msn=clock.now_ms() // 1000,  # later packagers of a stream never reuse numbers
        )
        self._feed = AsyncFeed(hub, f"live-fmp4/{camera}/{stream.value}", max_items=_QUEUE_ITEMS)
        self._muxer: FragmentMuxer | None = None
        self._main = 0
        self._pending_info: StreamInfo | None = None
        self._listeners: list[FragmentListener] = []
        self._changed = asyncio.Event()
        self.failure: str | None = None
        self.stopped = False
        self.last_used_s = clock.monotonic()
        self._task = asyncio.create_task(self._run(), name=f"packager-{camera}/{stream.value}")

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    @property
    def backlog(self) -> int:
        """Hub items queued for this packager and not handled yet."""
        return self._feed.subscription.qsize()

    def touch(self) -> None:
        self.last_used_s = self._clock.monotonic()

    def view(self) -> WindowView:
        return self.window.view()

    async def wait_for(
        self, predicate: Callable[[WindowView], bool], timeout_s: float
    ) -> WindowView | None:
        """The first view for which `predicate` holds, or None after `timeout_s` or a stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while True:
                    view = self.window.view()
                    if predicate(view):
                        return view
                    if self.stopped:
                        return None
                    await self._changed.wait()
        return None

    def add_listener(self, listener: FragmentListener) -> None:
        """Attach an MSE viewer: it gets the init segment and the media since the last keyframe."""
        self._listeners.append(listener)
        init = self.window.init
        if init is not None and self._muxer is not None:
            listener.on_init(init)
            joined = self.window.join_point()
            if joined:
                listener.on_media(b"".join(joined), True)
        if self.stopped:
            listener.on_close()

    def remove_listener(self, listener: FragmentListener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)
        self.touch()

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._shut_down()  # the task may have been cancelled before it ever ran

    async def _run(self) -> None:
        try:
            while (item := await self._feed.get()) is not None:
                deliver(item, self)
                handled = 1
                while handled < _BATCH and (item := self._feed.get_nowait()) is not None:
                    deliver(item, self)
                    handled += 1
                self._notify()
                if handled >= _BATCH:
                    await asyncio.sleep(0)
        except Exception:
            log.exception("live packager of %s/%s failed", self.camera, self.stream.value)
            self.failure = "the live packager failed; the server log has the details"
        finally:
            self._shut_down()

    def _shut_down(self) -> None:
        """Unsubscribe, publish what the muxer holds, wake the waiters and close the viewers."""
        if self.stopped:
            return
        self.stopped = True
        self._feed.close()
        self._end_muxer()
        self._notify()
        for listener in list(self._listeners):
            listener.on_close()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- the Sink (vms.media.sink): hub items, on the event loop ---------------------------
    def on_info(self, info: StreamInfo) -> None:
        self._end_muxer()
        self._pending_info = info

    def on_ended(self, ended: StreamEnded) -> None:
        self._end_muxer()
        self._pending_info = None

    def on_dropped(self, dropped: PacketsDropped) -> None:
        log.info(
            "live packager of %s/%s lost %d packets; new segment at the next keyframe",
            self.camera,
            self.stream.value,
            dropped.count,
        )
        self.window.mark_gap()

    def on_packet(self, packet: Packet) -> None:
        muxer = self._muxer
        if muxer is None:
            muxer = self._start_muxer(packet)
            if muxer is None:
                return
        try:
            fragments = muxer.write(packet)
        except (av.error.FFmpegError, ValueError) as exc:
            self._fail(f"muxing failed: {exc}")
            return
        for fragment in fragments:
            self._publish(fragment)

    def _start_muxer(self, keyframe: Packet) -> FragmentMuxer | None:
        """A muxer for the pending StreamInfo, once its first main-track keyframe is here."""
        info = self._pending_info
        if info is None:
            return None
        main = info.video_track if info.video_track is not None else 0
        if keyframe.track != main or not keyframe.keyframe:
            return None
        try:
            muxer = FragmentMuxer(info)
            mime = mime_type(info, keyframe.data)
        except (av.error.FFmpegError, ValueError) as exc:
            self._fail(str(exc))
            return None
        self._muxer, self._main, self.failure = muxer, main, None
        init = InitSegment(self.window.next_msn, muxer.init_segment, mime)
        self.window.begin(init, main_track=main, main_is_video=info.video_track is not None)
        for listener in self._listeners:
            listener.on_init(init)
        return muxer

    def _fail(self, why: str) -> None:
        codecs = "" if self._pending_info is None else self._codecs(self._pending_info)
        self.failure = (
            f"camera {self.camera!r} {self.stream.value} stream ({codecs}) cannot be "
            f"packaged as fragmented MP4: {why}"
        )
        log.warning("%s", self.failure)
        self._muxer = None
        self._pending_info = None  # wait for the next connection
        self.window.finish()

    @staticmethod
    def _codecs(info: StreamInfo) -> str:
        return ", ".join(t.codec for t in info.tracks)

    def _publish(self, fragment: MuxedFragment) -> None:
        if not self.window.add(fragment):
            return
        keyframe = fragment.track == self._main and fragment.keyframe
        for listener in self._listeners:
            listener.on_media(fragment.data, keyframe)

    def _end_muxer(self) -> None:
        muxer, self._muxer = self._muxer, None
        if muxer is None:
            return
        try:
            for fragment in muxer.close():
                self._publish(fragment)
        except (av.error.FFmpegError, ValueError) as exc:
            log.warning("closing the live muxer of %s/%s: %s", self.camera, self.stream, exc)
        self.window.finish()


class Packagers:
    """The running packagers, started on demand and stopped when idle."""

    def __init__(self, settings: LlHlsSettings, streams: LiveStreams, clock: Clock) -> None:
        self.settings = settings
        self._streams = streams
        self._clock = clock
        self._packagers: dict[tuple[CameraId, StreamName], Packager] = {}
        self._housekeeping: list[Callable[[bool], None]] = []
        self._sweeper: asyncio.Task[None] | None = None

    def add_housekeeping(self, callback: Callable[[bool], None]) -> None:
        """Run `callback(False)` on every sweep (about once a second) while packagers are in
        use, and `callback(True)` when the service stops."""
        self._housekeeping.append(callback)

    async def get(self, camera: CameraId, stream: StreamName) -> Packager:
        """The stream's packager, started if needed; 404 unknown, 503 offline (at once)."""
        hub, _info = self._streams.live_hub(camera, stream)
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="live-fmp4-sweeper")
        key = (camera, stream)
        packager = self._packagers.get(key)
        if packager is None or packager.stopped or packager.hub is not hub:
            old = packager
            packager = self._packagers[key] = Packager(
                camera, stream, hub, self.settings, self._clock
            )
            if old is not None:
                await old.stop()
        packager.touch()
        return packager

    def running(self) -> list[Packager]:
        return list(self._packagers.values())

    async def sweep(self) -> None:
        """Stop packagers idle for `idle_stop_s` with no MSE viewer; run the housekeeping."""
        now = self._clock.monotonic()
        for key, packager in list(self._packagers.items()):
            idle = not packager.listeners and now - packager.last_used_s > self.settings.idle_stop_s
            if packager.stopped or idle:
                del self._packagers[key]
                await packager.stop()
        for callback in self._housekeeping:
            try:
                callback(False)
            except Exception:
                log.exception("live housekeeping failed")

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            await self.sweep()

    async def stop(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        packagers = list(self._packagers.values())
        self._packagers.clear()
        for packager in packagers:
            await packager.stop()
        for callback in self._housekeeping:
            callback(True)
