"""One RTSP client connection: parses requests and answers OPTIONS … TEARDOWN.

Hand-written with the server (`vms.media.rtsp.server` says why). Requests are answered one at a
time in arrival order, so media can never overtake a PLAY response on the same connection. Handling
is synchronous on the event loop, except a password check against VMS's users (a deliberately slow
hash), which runs on a worker thread while this connection's later requests wait their turn.
Everything the connection sends (responses and media) goes through one `SocketWriter`, because
media may be sent from a camera's thread; a PLAY is answered under its mount's lock, so no packet
falls between the RTP-Info it announces, the cached GOP and the live packets that follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from vms.core.clock import Clock
from vms.media.rtsp.auth import AuthResult, RtspAuth
from vms.media.rtsp.message import (
    InterleavedFrame,
    RtspParseError,
    RtspReader,
    RtspRequest,
    RtspResponse,
    TransportSpec,
    parse_transport,
)
from vms.media.rtsp.server.mount import MountRefusedError, PlayStart, RtspMount
from vms.media.rtsp.server.session import RtspSession, SessionTable
from vms.media.rtsp.server.sinks import SocketWriter, TcpSink, UdpPortPair, UdpSink
from vms.media.sdp import control_url

log = logging.getLogger(__name__)

PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"
_TRACK = re.compile(r"^trackID=(\d{1,3})$")
Headers = tuple[tuple[str, str], ...]
MountResolver = Callable[[str], RtspMount]
"""Finds (or creates) the mount a DESCRIBE names; raises MountRefusedError (e.g. 404, 503)."""


@dataclass(frozen=True, slots=True)
class ServerContext:
    """What every connection of one server shares (the containers are the server's own)."""

    mounts: dict[str, RtspMount]
    sessions: SessionTable
    auth: RtspAuth | None
    clock: Clock
    max_buffer_bytes: int
    udp_port_range: tuple[int, int]
    udp_host: str
    connections: set[RtspConnection]
    resolver: MountResolver | None = None


class RtspConnection(asyncio.Protocol):
    """Protocol instance for one TCP connection."""

    def __init__(self, context: ServerContext) -> None:
        self._ctx = context
        self._reader = RtspReader()
        self._transport: asyncio.Transport | None = None
        self._writer: SocketWriter | None = None
        self._peer_ip = ""
        self._local_ip = "0.0.0.0"
        self._after_response: Callable[[], None] | None = None
        self._queue: deque[RtspRequest | InterleavedFrame] = deque()
        self._checking: asyncio.Task[None] | None = None
        self._handlers: dict[str, Callable[[RtspRequest], RtspResponse]] = {
            "OPTIONS": self._options,
            "DESCRIBE": self._describe,
            "SETUP": self._setup,
            "PLAY": self._play,
            "PAUSE": self._pause,
            "TEARDOWN": self._teardown,
            "GET_PARAMETER": self._keepalive,
            "SET_PARAMETER": self._keepalive,
        }

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._writer = SocketWriter.for_transport(transport, asyncio.get_running_loop())
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        self._peer_ip = str(peer[0]) if peer else ""
        self._local_ip = str(local[0]) if local else "0.0.0.0"
        self._ctx.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._queue.clear()
        self._ctx.connections.discard(self)
        self._ctx.sessions.remove_owned_by(self, tcp_only=True)
        self._transport = None
        if self._writer is not None:
            self._writer.close()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()  # first: the connection stays open while the duplicate is
        if self._transport is not None:
            self._transport.close()

    def data_received(self, data: bytes) -> None:
        try:
            messages = self._reader.feed(data)
        except RtspParseError as error:
            log.info("rtsp: closing %s after malformed input: %s", self._peer_ip, error)
            self._send(RtspResponse(400), error.cseq)
            self.close()
            return
        self._queue.extend(messages)
        self._pump()

    def _pump(self) -> None:
        """Answer queued requests in order; stop at one whose password check must run slowly."""
        auth = self._ctx.auth
        while self._queue and self._checking is None:
            message = self._queue.popleft()
            if isinstance(message, InterleavedFrame):
                self._touch_tcp_sessions()
            elif auth is not None and auth.slow and message.method != "OPTIONS":
                self._checking = asyncio.get_running_loop().create_task(
                    self._check_then_answer(message, auth)
                )
            else:
                self._answer(message, None)

    async def _check_then_answer(self, request: RtspRequest, auth: RtspAuth) -> None:
        header = request.header("authorization")
        try:
            result = await asyncio.to_thread(auth.check, request.method, header, self._peer_ip)
        finally:
            self._checking = None
        if self._transport is None:
            return  # the client left while its password was checked
        self._answer(request, result)
        self._pump()

    def _answer(self, request: RtspRequest, checked: AuthResult | None) -> None:
        with self._media_lock(request):
            try:
                response = self._handle(request, checked)
            except Exception:  # a handler bug answers 500 and keeps the server alive
                log.exception("rtsp: %s %s failed", request.method, request.uri)
                response = RtspResponse(500)
            self._send(response, request.cseq)
            after, self._after_response = self._after_response, None
            if after is not None:
                after()

    def _media_lock(self, request: RtspRequest) -> contextlib.AbstractContextManager[object]:
        """The mount's lock for a PLAY (see the module docstring), else nothing."""
        if request.method != "PLAY":
            return contextlib.nullcontext()
        session = self._named_session(request)
        return contextlib.nullcontext() if session is None else session.mount.lock

    def _send(self, response: RtspResponse, cseq: str | None) -> None:
        if self._transport is not None and not self._transport.is_closing():
            assert self._writer is not None
            self._writer.write(response.encode(cseq))

    def _touch_tcp_sessions(self) -> None:
        for session in self._ctx.sessions.all():
            if session.owner is self:
                self._ctx.sessions.touch(session)

    def _handle(self, request: RtspRequest, checked: AuthResult | None) -> RtspResponse:
        """The response to one request; `checked` is its password check if already made."""
        handler = self._handlers.get(request.method)
        if handler is None:
            return RtspResponse(501, (("Public", PUBLIC),))
        auth = self._ctx.auth
        if auth is not None and request.method != "OPTIONS":
            result = (
                checked
                if checked is not None
                else auth.check(request.method, request.header("authorization"), self._peer_ip)
            )
            if not result.ok:
                return RtspResponse(401, tuple(("WWW-Authenticate", c) for c in result.challenges))
        return handler(request)

    def _resolve(self, request: RtspRequest) -> tuple[RtspMount, int | None] | None:
        path = request.path
        mount = self._ctx.mounts.get(path)
        if mount is not None:
            return mount, None
        parent, _, last = path.rpartition("/")
        match = _TRACK.match(last)
        mount = self._ctx.mounts.get(parent or "/")
        if match is None or mount is None:
            return None
        return mount, int(match.group(1))

    def _named_session(self, request: RtspRequest) -> RtspSession | None:
        """The session the request's Session header names, if it exists."""
        value = request.header("session")
        if value is None:
            return None
        return self._ctx.sessions.get(value.split(";", 1)[0].strip())

    def _session(self, request: RtspRequest) -> RtspSession | None:
        """`_named_session`, which the request also keeps alive."""
        session = self._named_session(request)
        if session is not None:
            self._ctx.sessions.touch(session)
        return session

    def _options(self, request: RtspRequest) -> RtspResponse:
        self._session(request)
        return RtspResponse(200, (("Public", PUBLIC),))

    def _keepalive(self, request: RtspRequest) -> RtspResponse:
        if request.header("session") is not None and self._session(request) is None:
            return RtspResponse(454)
        return RtspResponse(200)

    def _describe(self, request: RtspRequest) -> RtspResponse:
        resolver = self._ctx.resolver
        if resolver is not None:
            try:
                mount = resolver(request.path)
            except MountRefusedError as refused:
                log.info("rtsp: DESCRIBE %s refused: %d %s", request.path, refused.status, refused)
                plain = (("Content-Type", "text/plain; charset=utf-8"),)
                return RtspResponse(refused.status, plain, refused.reason.encode())
        else:
            found = self._resolve(request)
            if found is None or found[1] is not None:
                return RtspResponse(404)
            mount = found[0]
        base = request.uri.split("?", 1)[0].rstrip("/") + "/"
        headers = (("Content-Base", base), ("Content-Type", "application/sdp"))
        return RtspResponse(200, headers, mount.sdp(self._local_ip).encode())

    def _setup_target(self, request: RtspRequest) -> tuple[RtspMount, int] | RtspResponse:
        found = self._resolve(request)
        if found is None:
            return RtspResponse(404)
        mount, track = found
        if track is None:
            return (mount, 0) if len(mount.tracks) == 1 else RtspResponse(459)
        return (mount, track) if track < len(mount.tracks) else RtspResponse(404)

    def _setup(self, request: RtspRequest) -> RtspResponse:
        target = self._setup_target(request)
        if isinstance(target, RtspResponse):
            return target
        mount, track = target
        spec = parse_transport(request.header("transport") or "")
        if spec is None:
            return RtspResponse(461)
        session = self._session(request)
        if request.header("session") is not None and session is None:
            return RtspResponse(454)
        if session is not None and (session.mount is not mount or track in session.sink.tracks()):
            return RtspResponse(455)
        return self._setup_track(mount, track, spec, session)

    def _setup_track(
        self, mount: RtspMount, track: int, spec: TransportSpec, session: RtspSession | None
    ) -> RtspResponse:
        ssrc = f"ssrc={mount.ssrc(track):08X}"
        if spec.tcp:
            if session is not None and session.is_udp:
                return RtspResponse(461)
            sink = session.sink if session is not None else self._new_tcp_sink()
            assert isinstance(sink, TcpSink)
            channels = spec.interleaved or (2 * track, 2 * track + 1)
            if max(channels) > 255 or set(channels) & sink.channels_in_use():
                return RtspResponse(461)
            sink.add_track(track, channels)
            transport = f"RTP/AVP/TCP;unicast;interleaved={channels[0]}-{channels[1]};{ssrc}"
        else:
            if session is not None and not session.is_udp:
                return RtspResponse(461)
            assert spec.client_port is not None
            udp = session.sink if session is not None else UdpSink(self._peer_ip)
            assert isinstance(udp, UdpSink)
            pair = UdpPortPair.open(self._ctx.udp_host, self._ctx.udp_port_range)
            udp.add_track(track, pair, spec.client_port)
            sink = udp
            client, server = spec.client_port, pair.ports
            transport = (
                f"RTP/AVP;unicast;client_port={client[0]}-{client[1]};"
                f"server_port={server[0]}-{server[1]};{ssrc}"
            )
        if session is None:
            session = RtspSession(mount, sink, self)
            self._ctx.sessions.add(session)
        if isinstance(sink, UdpSink):
            self._ctx.sessions.watch_udp(session, pair)
        timeout = round(self._ctx.sessions.timeout_s)
        headers = (("Transport", transport), ("Session", f"{session.id};timeout={timeout}"))
        return RtspResponse(200, headers)

    def _new_tcp_sink(self) -> TcpSink:
        assert self._writer is not None
        return TcpSink(self._writer, self._ctx.max_buffer_bytes)

    def _play(self, request: RtspRequest) -> RtspResponse:
        session = self._session(request)
        if session is None:
            return RtspResponse(454)
        mount = session.mount
        base = request.uri.split("?", 1)[0].rstrip("/")
        parent, _, last = base.rpartition("/")
        if _TRACK.match(last):
            base = parent
        start = mount.play_start(session.sink.tracks()) if not session.playing else None
        infos = []
        for track in sorted(session.sink.tracks()):
            seq, rtptime = start.rtp_info[track] if start is not None else mount.rtp_info(track)
            infos.append(f"url={base}/{control_url(track)};seq={seq};rtptime={rtptime}")
        headers: Headers = (
            ("Session", session.id),
            ("Range", "npt=0.000-"),
            ("RTP-Info", ",".join(infos)),
        )
        if start is not None:
            self._after_response = lambda: _start_playing(session, start)
        return RtspResponse(200, headers)

    def _pause(self, request: RtspRequest) -> RtspResponse:
        session = self._session(request)
        if session is None:
            return RtspResponse(454)
        session.pause()
        return RtspResponse(200, (("Session", session.id),))

    def _teardown(self, request: RtspRequest) -> RtspResponse:
        session = self._session(request)
        if session is None:
            return RtspResponse(454)
        self._ctx.sessions.remove(session.id)
        return RtspResponse(200)


def _start_playing(session: RtspSession, start: PlayStart) -> None:
    """Media starts after the PLAY response, led by a sender report so clients map wall time,
    then the mount's cached GOP (if any) for this client alone, then the shared live packets."""
    session.mount.send_sender_reports([session.sink])
    for track, packets, sync_point in start.units:
        session.sink.send_access_unit(track, packets, sync_point, {})
    session.play()
