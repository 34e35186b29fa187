"""RTSP sessions: one client's SETUP state for one mount, and the table that holds them.

Hand-written with the server (see `vms.media.rtsp`). A session owns its sink; a TCP session lives
as long as its connection, a UDP session until TEARDOWN or `timeout_s` without any sign of life
(a request naming it, or an RTCP packet on its ports).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket

from vms.media.rtsp.server.mount import RtspMount
from vms.media.rtsp.server.sinks import TcpSink, UdpPortPair, UdpSink

log = logging.getLogger(__name__)


class RtspSession:
    """A client's set-up tracks of one mount and whether they are playing."""

    def __init__(self, mount: RtspMount, sink: TcpSink | UdpSink, owner: object) -> None:
        self.id = secrets.token_hex(8)
        self.mount = mount
        self.sink = sink
        self.owner = owner  # the connection that created it
        self.playing = False
        self.last_seen = 0.0

    @property
    def is_udp(self) -> bool:
        return isinstance(self.sink, UdpSink)

    def play(self) -> None:
        self.playing = True
        self.mount.add_sink(self.sink)

    def pause(self) -> None:
        self.playing = False
        self.mount.remove_sink(self.sink)

    def close(self) -> None:
        self.pause()
        self.sink.close()


class SessionTable:
    """Sessions by id; watches UDP RTCP sockets for keep-alive and reaps the silent ones."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout_s: float) -> None:
        self._loop = loop
        self.timeout_s = timeout_s
        self._sessions: dict[str, RtspSession] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> RtspSession | None:
        return self._sessions.get(session_id)

    def all(self) -> list[RtspSession]:
        return list(self._sessions.values())

    def add(self, session: RtspSession) -> None:
        session.last_seen = self._loop.time()
        self._sessions[session.id] = session
        session.mount.session_opened()

    def touch(self, session: RtspSession) -> None:
        session.last_seen = self._loop.time()

    def watch_udp(self, session: RtspSession, pair: UdpPortPair) -> None:
        """Count any datagram on the session's ports (RTCP receiver reports) as keep-alive."""
        for sock in (pair.rtp, pair.rtcp):
            self._loop.add_reader(sock.fileno(), self._drain, session, sock)

    def _drain(self, session: RtspSession, sock: socket.socket) -> None:
        try:
            while True:
                sock.recv(2048)
                self.touch(session)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # ICMP errors surface here; the session is reaped by its timeout
            return

    def remove(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        if isinstance(session.sink, UdpSink):
            for pair in session.sink.port_pairs():
                for sock in (pair.rtp, pair.rtcp):
                    if sock.fileno() >= 0:
                        self._loop.remove_reader(sock.fileno())
        session.close()
        session.mount.session_closed()

    def remove_owned_by(self, owner: object, tcp_only: bool) -> None:
        for session in self.all():
            if session.owner is owner and (not tcp_only or not session.is_udp):
                self.remove(session.id)

    def remove_mount(self, mount: RtspMount) -> list[RtspSession]:
        gone = [session for session in self.all() if session.mount is mount]
        for session in gone:
            self.remove(session.id)
        return gone

    def reap(self) -> int:
        """Drop UDP sessions silent for longer than the timeout; returns how many."""
        deadline = self._loop.time() - self.timeout_s
        silent = [s for s in self.all() if s.is_udp and s.last_seen < deadline]
        for session in silent:
            log.info("rtsp session %s timed out", session.id)
            self.remove(session.id)
        return len(silent)
