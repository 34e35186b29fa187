"""Per-client RTP delivery for the RTSP server: TCP interleaved and UDP unicast sinks.

Hand-written with the server (see `vms.media.rtsp`). A sink never blocks: a TCP client whose
kernel and asyncio buffers hold more than the bound loses packets until the next keyframe (counted
in `dropped_packets`), and a UDP socket that would block loses the datagram.
"""

from __future__ import annotations

import errno
import random
import socket
import struct
from asyncio import WriteTransport
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

_FRAME = struct.Struct("!BBH")
DEFAULT_MAX_BUFFER_BYTES = 4 * 1024 * 1024


class RtpSink(Protocol):
    """Where a playing session's packets go; mounts call it on the event loop thread."""

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

    def __init__(self, transport: WriteTransport, max_buffer_bytes: int) -> None:
        self._transport = transport
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
        if pair is None or self._transport.is_closing():
            return
        buffered = self._transport.get_write_buffer_size()
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
        self._transport.write(data)

    def send_rtcp(self, track: int, packet: bytes) -> None:
        pair = self._channels.get(track)
        if pair is None or self._transport.is_closing() or self._resync:
            return
        self._transport.write(frame_interleaved(pair[1], (packet,)))

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
        self.dropped_packets = 0

    def add_track(self, track: int, pair: UdpPortPair, client_ports: tuple[int, int]) -> None:
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
        entry = self._tracks.get(track)
        if entry is None:
            return
        pair, ports = entry
        destination = (self._ip, ports[0])
        for packet in packets:
            self._send(pair.rtp, packet, destination)

    def send_rtcp(self, track: int, packet: bytes) -> None:
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
        for pair, _ in self._tracks.values():
            pair.close()
        self._tracks.clear()
