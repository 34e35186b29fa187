"""The asyncio RTSP server: listening socket, mounts, sessions, RTCP sender reports, reaping.

Hand-written because no maintained Python RTSP server exists and GStreamer's would bring a second
media framework and GObject into the process; kept small, fuzzed by the tests, and checked against
independent clients (ffmpeg/ffprobe, GStreamer rtspsrc). Request handling is in `connection.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from vms.core.clock import Clock, SystemClock
from vms.media.rtsp.auth import RtspAuth
from vms.media.rtsp.server.connection import MountResolver, RtspConnection, ServerContext
from vms.media.rtsp.server.mount import RtspMount
from vms.media.rtsp.server.session import SessionTable
from vms.media.rtsp.server.sinks import DEFAULT_MAX_BUFFER_BYTES
from vms.media.sdp import TrackDescription

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RtspServerOptions:
    """Tunables of one server; the defaults suit cameras and restream alike."""

    session_timeout_s: float = 60.0
    max_client_buffer_bytes: int = DEFAULT_MAX_BUFFER_BYTES
    rtcp_interval_s: float = 1.0
    udp_port_range: tuple[int, int] = (20_000, 40_000)


class RtspServer:
    """Serves mounts at rtsp://host:port/<path>; start() binds, stop() ends every session."""

    def __init__(
        self,
        host: str = "0.0.0.0",
        port: int = 8554,
        auth: RtspAuth | None = None,
        *,
        clock: Clock | None = None,
        options: RtspServerOptions | None = None,
        resolver: MountResolver | None = None,
    ) -> None:
        """`resolver`, when given, answers every DESCRIBE: it returns the mount for a path
        (mounting it on demand) or raises `MountRefusedError`; SETUP/PLAY use the mounts it made."""
        self.host = host
        self._requested_port = port
        self._auth = auth
        self._clock = clock or SystemClock()
        self._options = options or RtspServerOptions()
        self._resolver = resolver
        self._mounts: dict[str, RtspMount] = {}
        self._aliases: dict[str, tuple[str, ...]] = {}
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._context: ServerContext | None = None
        self._connections: set[RtspConnection] = set()

    @property
    def port(self) -> int:
        """The bound port (the requested one, or the one the OS chose for port 0)."""
        if self._server is None or not self._server.sockets:
            return self._requested_port
        return int(self._server.sockets[0].getsockname()[1])

    def url(self, path: str) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"rtsp://{host}:{self.port}/{path.strip('/')}"

    def mount(
        self,
        path: str,
        tracks: Sequence[TrackDescription],
        *,
        aliases: Sequence[str] = (),
        gop_cache_max_bytes: int = 0,
    ) -> RtspMount:
        """Publish `tracks` at `path` ('/cam1/main') and at each alias ('/cam1'); replaces (and
        ends) existing mounts there. `gop_cache_max_bytes` > 0 lets new clients start with the
        current GOP (see `RtspMount.play_start`)."""
        key = "/" + path.strip("/")
        keys = (key, *("/" + alias.strip("/") for alias in aliases))
        for name in keys:
            if name in self._mounts:
                self.unmount(name)
        mount = RtspMount(key, tracks, self._clock, gop_cache_max_bytes=gop_cache_max_bytes)
        for name in keys:
            self._mounts[name] = mount
        self._aliases[key] = keys
        return mount

    def unmount(self, path: str) -> None:
        """Remove a mount (and its aliases); its sessions end and their clients are disconnected."""
        mount = self._mounts.pop("/" + path.strip("/"), None)
        if mount is None:
            return
        for name in self._aliases.pop(mount.path, ()):
            if self._mounts.get(name) is mount:
                del self._mounts[name]
        if self._context is None:
            return
        for session in self._context.sessions.remove_mount(mount):
            owner = session.owner  # closing the control connection tells UDP clients too
            if isinstance(owner, RtspConnection):
                owner.close()

    def mounts(self) -> dict[str, RtspMount]:
        """Every published path (aliases included) and its mount."""
        return dict(self._mounts)

    @property
    def session_count(self) -> int:
        return 0 if self._context is None else len(self._context.sessions)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._context = ServerContext(
            mounts=self._mounts,
            sessions=SessionTable(loop, self._options.session_timeout_s),
            auth=self._auth,
            clock=self._clock,
            max_buffer_bytes=self._options.max_client_buffer_bytes,
            udp_port_range=self._options.udp_port_range,
            udp_host="" if self.host in ("0.0.0.0", "") else self.host,
            connections=self._connections,
            resolver=self._resolver,
        )
        context = self._context
        self._server = await loop.create_server(
            lambda: RtspConnection(context),
            self.host,
            self._requested_port,
            reuse_address=True,
            family=socket.AF_INET6 if ":" in self.host else socket.AF_INET,
        )
        self._ticker = asyncio.create_task(self._tick(), name="rtsp-server-tick")
        log.info("rtsp server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._context is not None:
            for session in self._context.sessions.all():
                self._context.sessions.remove(session.id)
        for connection in list(self._connections):
            connection.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _tick(self) -> None:
        """Every interval: RTCP sender reports to playing clients, then reap silent sessions."""
        while True:
            await asyncio.sleep(self._options.rtcp_interval_s)
            try:
                for mount in list(self._mounts.values()):
                    mount.send_sender_reports()
                if self._context is not None:
                    self._context.sessions.reap()
            except Exception:  # a bug here must not stop reports for every other client
                log.exception("rtsp server tick failed")
