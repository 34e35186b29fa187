"""RTSP restream: every camera stream at rtsp://host:port/<camera>[/main|/sub], one pull each.

Each camera stream is pulled once by its Source into a StreamHub; the restream is one more hub
subscriber per mounted stream, and only while that mount has RTSP sessions: the project's RTSP
server packetises each access unit once and sends the same bytes to every client, so N viewers
cost one subscription and one packetisation. Mounts are made on DESCRIBE from the hub's current
StreamInfo (404 for an unknown camera, 503 while it is offline, never a hang), re-made when the
camera comes back with other parameters (its clients are disconnected and can reconnect), and
removed with the camera. New clients start on the mount's cached GOP (see `RtspMount.play_start`).

The feed is drained on the camera's reader thread, right after it publishes (ADR 0012): that
thread is awake for the frame anyway, and waking the event loop for every frame cost more CPU
than packetising and sending it. Only the drain touches a fed mount's packets (under the
entry's `drain_lock`); what changes the server's mount table is handed to the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field

from vms.core.clock import Clock
from vms.core.errors import NotFoundError, UnavailableError
from vms.core.ids import CameraId, StreamName, camera_id
from vms.core.service import Backoff
from vms.core.threads import call_in_loop
from vms.ingest.hub import StreamHub, Subscription
from vms.live.metrics import LiveMetrics, LiveProtocol
from vms.live.restream_tracks import MountTracks, RtpTimeline, UnsupportedStreamError, mount_tracks
from vms.live.streams import LiveStreams
from vms.media.packet import Packet, PacketsDropped, StreamEnded, StreamInfo
from vms.media.rtsp import RtspAuth
from vms.media.rtsp.server import MountRefusedError, RtspMount, RtspServer, RtspServerOptions
from vms.media.sink import deliver

log = logging.getLogger(__name__)

GOP_CACHE_MAX_BYTES = 8 * 2**20  # per mount with viewers: a 10 s GOP at 6 Mbit/s
FEED_MAX_ITEMS = 512  # ~7 s of 25 fps video plus audio if the event loop stalls
SWEEP_INTERVAL_S = 1.0
OFFLINE_GRACE_S = 10.0  # viewers wait this long for a camera that dropped to come back
BIND_BACKOFF = Backoff(initial_s=1.0, cap_s=30.0)


@dataclass(slots=True, eq=False)
class _Entry:
    """One mounted camera stream: its hub, tracks, mount, and the feed while it has sessions."""

    camera: CameraId
    stream: StreamName
    hub: StreamHub
    info: StreamInfo
    tracks: MountTracks
    mount: RtspMount
    timeline: RtpTimeline
    feed: Subscription | None = None
    sessions: int = 0
    offline_since: float | None = None
    waiting_first_frame: list[float] = field(default_factory=list)  # SETUP times (monotonic)
    bad_packets: int = 0
    drain_lock: threading.RLock = field(default_factory=threading.RLock)


class RtspRestream:
    """The restream's RTSP server and its on-demand mounts; runs on the event loop."""

    def __init__(
        self,
        streams: LiveStreams,
        metrics: LiveMetrics,
        clock: Clock,
        *,
        host: str,
        port: int,
        auth: RtspAuth | None = None,
        options: RtspServerOptions | None = None,
        offline_grace_s: float = OFFLINE_GRACE_S,
    ) -> None:
        self._streams = streams
        self._metrics = metrics
        self._clock = clock
        self._offline_grace_s = offline_grace_s
        self._entries: dict[tuple[CameraId, StreamName], _Entry] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._binder: asyncio.Task[None] | None = None
        self.server = RtspServer(
            host, port, auth, clock=clock, options=options, resolver=self._describe
        )

    @property
    def port(self) -> int:
        return self.server.port

    def url(self, camera: CameraId, stream: StreamName = StreamName.MAIN) -> str:
        return self.server.url(f"{camera}/{stream.value}")

    def subscribed(self) -> int:
        """Mounts that read their hub now (those with at least one RTSP session)."""
        return sum(1 for entry in self._entries.values() if entry.feed is not None)

    async def start(self) -> None:
        """Listen; a port in use is logged and retried in the background (recording goes on)."""
        self._loop = asyncio.get_running_loop()
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="rtsp-restream-sweep")
        try:
            await self.server.start()
        except OSError as error:
            log.error("rtsp restream: cannot listen on port %d: %s", self.server.port, error)
            self._binder = asyncio.create_task(self._listen_later(), name="rtsp-restream-bind")

    async def _listen_later(self) -> None:
        attempt = 0
        while True:
            delay = BIND_BACKOFF.delay(attempt)
            attempt += 1
            await asyncio.sleep(delay)
            try:
                await self.server.start()
            except OSError as error:
                log.debug("rtsp restream: still cannot listen: %s", error)
                continue
            log.info("rtsp restream: listening on port %d after %d attempts", self.port, attempt)
            return

    async def stop(self) -> None:
        for task in (self._sweeper, self._binder):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._sweeper = self._binder = None
        for entry in list(self._entries.values()):
            self._drop(entry, "server stopping")
        await self.server.stop()

    # --- DESCRIBE: find or (re)make the mount -----------------------------------------------

    def _describe(self, path: str) -> RtspMount:
        camera, stream = _parse_path(path)
        try:
            hub, info = self._streams.live_hub(camera, stream)
        except NotFoundError as error:
            raise MountRefusedError(404, str(error)) from None
        except UnavailableError as error:
            raise MountRefusedError(503, str(error)) from None
        entry = self._entries.get((camera, stream))
        if entry is not None and entry.hub is hub and entry.info is info:
            return entry.mount
        try:
            tracks = mount_tracks(info)
        except UnsupportedStreamError as error:
            raise MountRefusedError(415, f"{camera}/{stream.value}: {error}") from None
        if entry is not None and entry.hub is hub and entry.tracks == tracks:
            if entry.feed is None:  # a fed entry takes the new info from its feed, in order
                entry.info = info
            return entry.mount
        if entry is not None:
            self._drop(entry, "the camera's stream changed")
        return self._mount(camera, stream, hub, info, tracks).mount

    def _mount(
        self,
        camera: CameraId,
        stream: StreamName,
        hub: StreamHub,
        info: StreamInfo,
        tracks: MountTracks,
    ) -> _Entry:
        path = f"/{camera}/{stream.value}"
        aliases = (f"/{camera}",) if stream is StreamName.MAIN else ()
        mount = self.server.mount(
            path, tracks.descriptions, aliases=aliases, gop_cache_max_bytes=GOP_CACHE_MAX_BYTES
        )
        timeline = RtpTimeline([d.clock_rate for d in tracks.descriptions])
        entry = _Entry(camera, stream, hub, info, tracks, mount, timeline)
        mount.on_sessions_changed = lambda count: self._sessions_changed(entry, count)
        self._entries[(camera, stream)] = entry
        for reason in tracks.skipped:
            log.warning("rtsp restream %s: leaving out %s", path, reason)
        log.info("rtsp restream: mounted %s (generation %d)", path, info.generation)
        return entry

    def _drop(self, entry: _Entry, reason: str) -> None:
        """Unmount: the feed stops and the mount's clients are disconnected."""
        key = (entry.camera, entry.stream)
        if self._entries.get(key) is entry:
            del self._entries[key]
        self._stop_feed(entry)
        log.info("rtsp restream: unmounted %s (%s)", entry.mount.path, reason)
        self.server.unmount(entry.mount.path)

    # --- sessions: subscribe to the hub only while someone is set up -----------------------

    def _sessions_changed(self, entry: _Entry, count: int) -> None:
        for _ in range(count, entry.sessions):
            self._metrics.session_closed(entry.camera, entry.stream, LiveProtocol.RTSP)
        with entry.drain_lock:
            for _ in range(entry.sessions, count):
                self._metrics.session_opened(entry.camera, entry.stream, LiveProtocol.RTSP)
                entry.waiting_first_frame.append(self._clock.monotonic())
        entry.sessions = count
        current = self._entries.get((entry.camera, entry.stream)) is entry
        if count > 0 and entry.feed is None and current:
            self._start_feed(entry)
        elif count == 0:
            self._stop_feed(entry)
        with entry.drain_lock:
            if entry.waiting_first_frame and entry.mount.has_keyframe:
                self._first_frames(entry)

    def _start_feed(self, entry: _Entry) -> None:
        """Subscribe; the camera's thread drains the feed each time it queues something.

        Not `AsyncFeed` and a task, nor a callback scheduled on the loop: those woke the loop
        once (or three times) per access unit, the restream's largest per-frame cost
        (bench/live_rtsp.py, ADR 0012).
        """
        name = f"rtsp-restream {entry.mount.path}"
        sink = _MountSink(self, entry)
        with entry.drain_lock:
            entry.feed = entry.hub.subscribe(
                name, max_items=FEED_MAX_ITEMS, on_ready=lambda: self._drain(entry, sink)
            )
            # The info and cached GOP are queued already: push them now, so the PLAY that
            # follows this SETUP finds a keyframe to start the client on.
            self._drain(entry, sink)

    def _stop_feed(self, entry: _Entry) -> None:
        with entry.drain_lock:
            feed, entry.feed = entry.feed, None
            if feed is not None:
                feed.close()
            entry.mount.clear_gop_cache()

    def _drain(self, entry: _Entry, sink: _MountSink) -> None:
        """Handle everything queued now (on the camera's thread, or the loop's at subscribe);
        count the bytes of the batch once."""
        with entry.drain_lock:
            feed = entry.feed
            sent = 0
            try:
                while entry.feed is feed and feed is not None:
                    item = feed.get_nowait()
                    if item is None:
                        break
                    sent += deliver(item, sink)
            except Exception:  # a bug here must end this mount only, visibly
                log.exception("rtsp restream %s: feed failed", entry.mount.path)
                self._drop_later(entry, "internal error")
                return
        clients = entry.mount.clients
        if sent and clients:
            self._metrics.bytes_sent(entry.camera, entry.stream, LiveProtocol.RTSP, sent * clients)

    def _drop_later(self, entry: _Entry, reason: str) -> None:
        """Unmount on the loop (the mount table is the loop's); the feed stops at once."""
        with entry.drain_lock:
            if entry.feed is not None:
                entry.feed.close()  # the drain loop ends: `entry.feed is feed` holds no more
        if self._loop is not None:
            call_in_loop(self._loop, self._drop, entry, reason)

    def _ended(self, entry: _Entry, reason: str) -> None:
        entry.offline_since = self._clock.monotonic()
        entry.mount.clear_gop_cache()
        if self._loop is not None:  # the camera may be gone: the loop checks
            call_in_loop(self._loop, self._drop_if_removed, entry, reason)

    def _drop_if_removed(self, entry: _Entry, reason: str) -> None:
        if self._entries.get((entry.camera, entry.stream)) is entry and not self._hub_is_current(
            entry
        ):
            self._drop(entry, reason)

    def _new_info(self, entry: _Entry, info: StreamInfo) -> None:
        try:
            same = mount_tracks(info) == entry.tracks
        except UnsupportedStreamError:
            same = False
        if not same:
            self._drop_later(entry, "the camera came back with other parameters")
            return
        entry.info = info
        entry.offline_since = None
        time_bases = [
            info.tracks[hub_track].time_base
            for hub_track, mount_track in enumerate(entry.tracks.track_map)
            if mount_track is not None
        ]
        entry.timeline.new_generation(time_bases)

    def _push(self, entry: _Entry, packet: Packet) -> int:
        track = entry.tracks.track_map[packet.track]
        if track is None:
            return 0
        rtp_time = entry.timeline.rtp_time(track, packet.pts, packet.wall_ms)
        try:
            entry.mount.push(
                track,
                packet.data,
                rtp_time=rtp_time,
                keyframe=packet.keyframe,
                wall_ms=packet.wall_ms,
            )
        except ValueError as error:  # e.g. an AAC frame too large for AAC-hbr
            entry.bad_packets += 1
            if entry.bad_packets == 1:
                log.warning("rtsp restream %s: packet not sent: %s", entry.mount.path, error)
            return 0
        if entry.waiting_first_frame and entry.mount.has_keyframe:
            self._first_frames(entry)
        return len(packet.data)

    def _first_frames(self, entry: _Entry) -> None:
        now = self._clock.monotonic()
        for since in entry.waiting_first_frame:
            seconds = max(0.0, now - since)
            self._metrics.first_frame(entry.camera, entry.stream, LiveProtocol.RTSP, seconds)
        entry.waiting_first_frame.clear()

    # --- housekeeping: removed cameras, long outages --------------------------------------

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            try:
                self.sweep()
            except Exception:  # keep sweeping the other mounts next time
                log.exception("rtsp restream sweep failed")

    def sweep(self) -> None:
        """Unmount streams whose camera is gone, or offline past the grace period."""
        now = self._clock.monotonic()
        for entry in list(self._entries.values()):
            if not self._hub_is_current(entry):
                self._drop(entry, "camera removed")
            elif self._offline_too_long(entry, now):
                self._drop(entry, "camera offline")

    def _offline_too_long(self, entry: _Entry, now: float) -> bool:
        """Nobody watches an offline camera, or its viewers waited the whole grace period."""
        if entry.feed is None:
            return entry.hub.info is None
        since = entry.offline_since
        return since is not None and now - since >= self._offline_grace_s

    def _hub_is_current(self, entry: _Entry) -> bool:
        try:
            return self._streams.hub(entry.camera, entry.stream) is entry.hub
        except NotFoundError:
            return False


class _MountSink:
    """The Sink of one fed mount: applies hub items on the camera's thread (under the entry's
    `drain_lock`); each method returns the media bytes pushed, which `_drain` adds up."""

    __slots__ = ("_entry", "_restream")

    def __init__(self, restream: RtspRestream, entry: _Entry) -> None:
        self._restream = restream
        self._entry = entry

    def on_packet(self, packet: Packet) -> int:
        return self._restream._push(self._entry, packet)

    def on_info(self, info: StreamInfo) -> int:
        self._restream._new_info(self._entry, info)
        return 0

    def on_dropped(self, dropped: PacketsDropped) -> int:
        return 0  # the mount goes on at the keyframe that follows; each client keeps its own bound

    def on_ended(self, ended: StreamEnded) -> int:
        self._restream._ended(self._entry, ended.reason)
        return 0


def _parse_path(path: str) -> tuple[CameraId, StreamName]:
    """'/cam1' and '/cam1/main' → main, '/cam1/sub' → sub; MountRefusedError(404) otherwise."""
    parts = path.strip("/").split("/")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] not in ("main", "sub")):
        raise MountRefusedError(404, f"no stream at {path!r}: use /<camera>, /<camera>/sub")
    try:
        camera = camera_id(parts[0])
    except ValueError:
        raise MountRefusedError(404, f"no camera at {path!r}") from None
    stream = StreamName(parts[1]) if len(parts) == 2 else StreamName.MAIN
    return camera, stream
