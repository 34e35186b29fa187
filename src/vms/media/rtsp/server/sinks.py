"""Per-client RTP delivery for the RTSP server: TCP interleaved and UDP unicast sinks.

Hand-written with the server (see `vms.media.rtsp`). A sink never blocks: a TCP client whose
kernel buffer is full and whose pending bytes exceed the bound loses packets until the next
keyframe (counted in `dropped_packets`), and a UDP socket that would block loses the datagram.

Sinks may be fed from any thread (one at a time, under the mount's lock): the restream sends from
the camera's reader thread, which is awake for the frame anyway, instead of waking the event loop
for every frame (docs/decisions/0012). So a TCP connection is written through `SocketWriter`,
not through its asyncio transport, which may only be used on the loop.
"""

from __future__ import annotations

import asyncio
import errno
import os
import random
import socket
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from vms.core.threads import call_in_loop

_FRAME = struct.Struct("!BBH")
DEFAULT_MAX_BUFFER_BYTES = 4 * 1024 * 1024


class SocketWriter:
    """Writes a TCP connection's bytes in order from any thread, without ever blocking.

    It sends on a duplicate of the connection's socket (non-blocking). What the kernel does not
    take at once is kept in `pending` and flushed by the event loop when the socket is writable
    again; whatever is written meanwhile queues behind it, so bytes never reorder. The asyncio
    transport keeps reading (and closing) the connection, but writes nothing.
    """

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._fd = sock.fileno()
        self._loop = loop
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._watching = False  # the loop waits for the socket to become writable
        self._closed = False

    @classmethod
    def for_transport(
        cls, transport: asyncio.BaseTransport, loop: asyncio.AbstractEventLoop
    ) -> SocketWriter:
        raw = transport.get_extra_info("socket")
        duplicate = socket.socket(raw.family, raw.type, raw.proto, fileno=os.dup(raw.fileno()))
        return cls(duplicate, loop)

    @property
    def pending_bytes(self) -> int:
        """Bytes written but not yet taken by the kernel."""
        return len(self._pending)

    @property
    def closed(self) -> bool:
        return self._closed

    def write(self, data: bytes) -> None:
        """Send `data` after everything written before; never blocks (see the class)."""
        with self._lock:
            if self._closed:
                return
            if self._pending:
                self._pending += data
                return
            try:
                sent = self._sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:  # the peer is gone: the transport's reader sees it and closes us
                self._closed = True
                return
            if sent < len(data):
                self._pending += memoryview(data)[sent:]
                if not self._watching:
                    self._watching = True
                    call_in_loop(self._loop, self._watch)

    def _watch(self) -> None:  # on the loop
        with self._lock:
            if self._closed:
                return
            self._loop.add_writer(self._fd, self._flush)

    def _flush(self) -> None:  # on the loop, when the socket is writable
        with self._lock:
            if self._closed:
                return
            try:
                sent = self._sock.send(self._pending)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                sent = len(self._pending)  # the peer is gone; the reader side closes us
            del self._pending[:sent]
            if not self._pending:
                self._loop.remove_writer(self._fd)
                self._watching = False

    def close(self) -> None:
        """Drop what is pending and close the duplicate; call on the loop, before the transport
        is closed (the connection stays open while either descriptor is)."""
        with self._lock:
            if self._closed and self._sock.fileno() < 0:
                return
            self._closed = True
            self._pending.clear()
            if self._watching:
                self._loop.remove_writer(self._fd)
                self._watching = False
            self._sock.close()


class RtpSink(Protocol):
    """Where a playing session's packets go; mounts call it under their lock, from any thread."""

    dropped_packets: int

    def send_access_unit(
        self, track: int, packets: Sequence[bytes], sync_point: bool, framed: dict[int, bytes]
    ) -> None:
        """Send the RTP packets of one access unit; `framed` caches TCP framings by channel."""
        ...

    def send_rtcp(self, track: int, packet: bytes) -> None: ...

    def tracks(self) -> tuple[int, ...]: ...

    def close(self) -> None: ...


def frame_interleaved(channel: int, packets: Sequence[bytes]) -> bytes:
    """All packets of an access unit, each behind its `$` channel length header, in one buffer."""
    parts: list[bytes] = []
    for packet in packets:
        parts.append(_FRAME.pack(0x24, channel, len(packet)))
        parts.append(packet)
    return b"".join(parts)


class TcpSink:
    """RTP and RTCP interleaved on the client's RTSP connection (RFC 2326 10.12)."""

    def __init__(self, writer: SocketWriter, max_buffer_bytes: int) -> None:
        self._writer = writer
        self._max = max_buffer_bytes
        self._channels: dict[int, tuple[int, int]] = {}
        self._resync = False
        self.dropped_packets = 0

    def add_track(self, track: int, channels: tuple[int, int]) -> None:
        self._channels[track] = channels

    def channels_in_use(self) -> set[int]:
        return {channel for pair in self._channels.values() for channel in pair}

    def tracks(self) -> tuple[int, ...]:
        return tuple(self._channels)

    def send_access_unit(
        self, track: int, packets: Sequence[bytes], sync_point: bool, framed: dict[int, bytes]
    ) -> None:
        pair = self._channels.get(track)
        if pair is None or self._writer.closed:
            return
        buffered = self._writer.pending_bytes
        if self._resync:
            if not sync_point or buffered > self._max // 2:
                self.dropped_packets += len(packets)
                return
            self._resync = False
        if buffered > self._max:
            self._resync = True
            self.dropped_packets += len(packets)
            return
        data = framed.get(pair[0])
        if data is None:
            data = framed[pair[0]] = frame_interleaved(pair[0], packets)
        self._writer.write(data)

    def send_rtcp(self, track: int, packet: bytes) -> None:
        pair = self._channels.get(track)
        if pair is None or self._writer.closed or self._resync:
            return
        self._writer.write(frame_interleaved(pair[1], (packet,)))

    def close(self) -> None:
        """The connection belongs to the RTSP session; closing the sink leaves it open."""
        self._channels.clear()


@dataclass(frozen=True, slots=True)
class UdpPortPair:
    """Two bound non-blocking UDP sockets on consecutive ports, RTP on the even one."""

    rtp: socket.socket
    rtcp: socket.socket

    @property
    def ports(self) -> tuple[int, int]:
        return self.rtp.getsockname()[1], self.rtcp.getsockname()[1]

    @staticmethod
    def open(host: str, port_range: tuple[int, int], attempts: int = 64) -> UdpPortPair:
        """Bind an even/odd pair at random in `port_range`; raises OSError when none is free."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        low, high = port_range
        for _ in range(attempts):
            port = random.randrange(low, high - 1) & ~1
            rtp = socket.socket(family, socket.SOCK_DGRAM)
            rtcp = socket.socket(family, socket.SOCK_DGRAM)
            try:
                rtp.bind((host, port))
                rtcp.bind((host, port + 1))
            except OSError as error:
                rtp.close()
                rtcp.close()
                if error.errno != errno.EADDRINUSE:
                    raise
                continue
            rtp.setblocking(False)
            rtcp.setblocking(False)
            return UdpPortPair(rtp, rtcp)
        raise OSError(errno.EADDRINUSE, "no free UDP port pair for RTP")

    def close(self) -> None:
        self.rtp.close()
        self.rtcp.close()


class UdpSink:
    """RTP to the client's `client_port` pair from a server port pair per track."""

    def __init__(self, client_ip: str) -> None:
        self._ip = client_ip
        self._tracks: dict[int, tuple[UdpPortPair, tuple[int, int]]] = {}
        self._lock = threading.Lock()  # a send never races a close (a reused descriptor)
        self.dropped_packets = 0

    def add_track(self, track: int, pair: UdpPortPair, client_ports: tuple[int, int]) -> None:
        with self._lock:
            old = self._tracks.get(track)
            if old is not None:
                old[0].close()
            self._tracks[track] = (pair, client_ports)

    def port_pairs(self) -> list[UdpPortPair]:
        return [pair for pair, _ in self._tracks.values()]

    def tracks(self) -> tuple[int, ...]:
        return tuple(self._tracks)

    def send_access_unit(
        self, track: int, packets: Sequence[bytes], sync_point: bool, framed: dict[int, bytes]
    ) -> None:
        with self._lock:
            entry = self._tracks.get(track)
            if entry is None:
                return
            pair, ports = entry
            destination = (self._ip, ports[0])
            for packet in packets:
                self._send(pair.rtp, packet, destination)

    def send_rtcp(self, track: int, packet: bytes) -> None:
        with self._lock:
            entry = self._tracks.get(track)
            if entry is not None:
                self._send(entry[0].rtcp, packet, (self._ip, entry[1][1]))

    def _send(self, sock: socket.socket, packet: bytes, destination: tuple[str, int]) -> None:
        try:
            sock.sendto(packet, destination)
        except BlockingIOError:
            self.dropped_packets += 1
        except OSError:  # ICMP port unreachable reported on a later send; the reaper ends it
            self.dropped_packets += 1

    def close(self) -> None:
        with self._lock:
            for pair, _ in self._tracks.values():
                pair.close()
            self._tracks.clear()
