"""SocketWriter: a TCP connection written from any thread, in order, never blocking.

The restream sends media from a camera's thread while the event loop answers requests on the same
connection (ADR 0012), so the writer must keep bytes in order across threads when the kernel's
buffer is full, flush the rest once the peer reads, and close cleanly.
"""

from __future__ import annotations

import asyncio
import socket
import threading

from vms.media.rtsp.server.sinks import SocketWriter

CHUNKS = 400
CHUNK_BYTES = 5_000


def _pair() -> tuple[socket.socket, socket.socket]:
    ours, peer = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return ours, peer


def _chunk(index: int) -> bytes:
    return index.to_bytes(4, "big") * (CHUNK_BYTES // 4)


def _read_exactly(sock: socket.socket, size: int, timeout_s: float = 20) -> bytes:
    sock.settimeout(timeout_s)
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


async def test_bytes_from_two_threads_stay_in_order_through_a_full_socket() -> None:
    ours, peer = _pair()
    writer = SocketWriter(ours, asyncio.get_running_loop())
    half = CHUNKS // 2

    def camera_thread() -> None:
        for index in range(half):
            writer.write(_chunk(index))

    thread = threading.Thread(target=camera_thread)
    thread.start()
    await asyncio.to_thread(thread.join, 20)
    assert writer.pending_bytes > 0  # the peer has not read: the kernel's buffer is full
    for index in range(half, CHUNKS):  # then the loop's own writes queue behind
        writer.write(_chunk(index))
    received = await asyncio.to_thread(_read_exactly, peer, CHUNKS * CHUNK_BYTES)
    assert received == b"".join(_chunk(index) for index in range(CHUNKS))
    for _ in range(100):  # the loop flushed everything and stopped watching the socket
        if writer.pending_bytes == 0:
            break
        await asyncio.sleep(0.01)
    assert writer.pending_bytes == 0
    writer.close()
    peer.close()


async def test_close_drops_what_is_pending_and_later_writes_do_nothing() -> None:
    ours, peer = _pair()
    writer = SocketWriter(ours, asyncio.get_running_loop())
    for index in range(50):
        writer.write(_chunk(index))
    assert writer.pending_bytes > 0
    writer.close()
    writer.close()  # twice is harmless
    assert writer.closed and writer.pending_bytes == 0
    writer.write(b"after close")
    peer.settimeout(5)
    received = bytearray()
    while chunk := peer.recv(1 << 16):  # the kernel's part, then end of stream
        received += chunk
    assert len(received) < 50 * CHUNK_BYTES
    assert b"after close" not in received
    peer.close()


async def test_a_peer_that_is_gone_does_not_raise() -> None:
    ours, peer = _pair()
    writer = SocketWriter(ours, asyncio.get_running_loop())
    peer.close()
    await asyncio.sleep(0.05)
    for index in range(20):
        writer.write(_chunk(index))  # EPIPE or ECONNRESET: swallowed, the writer gives up
    assert writer.closed
    writer.close()
