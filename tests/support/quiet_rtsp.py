"""An RTSP camera (asyncio, interleaved TCP) whose media goes wrong after a correct RTSP session.

Modes: ``silent`` answers DESCRIBE, SETUP and PLAY and then sends nothing (a camera whose encoder
hung); ``lossy`` sends H.264 at 25 fps but leaves out one RTP packet in `drop_every` (a bad
network), so the receiver loses frames until the next keyframe. Runs on its own event loop in a
background thread, like `tests.support.faulty_rtsp`, whose H.264 helpers it reuses.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Literal

from tests.support.faulty_rtsp import (
    h264_access_units,
    h264_sdp,
    read_request,
    reply,
    rtp_packets,
    split_nals,
)
from tests.support.loop_server import LoopServer

Mode = Literal["silent", "lossy"]


class QuietRtspServer(LoopServer):
    """One mode on 127.0.0.1 (port picked by the OS) until stop()."""

    def __init__(self, mode: Mode, *, drop_every: int = 20) -> None:
        super().__init__(f"quiet-{mode}")
        self.mode = mode
        self.plays = 0
        self._drop_every = drop_every
        self._units = h264_access_units(50)  # keyframes at 0 and 25: one a second

    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/stream"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                method, cseq = await read_request(reader)
                writer.write(self._answer(method, cseq))
                await writer.drain()
                if method == "PLAY":
                    self.plays += 1
                    if self.mode == "lossy":
                        await self._send(writer)
                    else:
                        await reader.read()  # nothing is sent; wait until the client leaves
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _answer(self, method: str, cseq: str) -> bytes:
        if method == "DESCRIBE":
            sdp = h264_sdp(self._units[0], "quiet").encode()
            headers = "Content-Type: application/sdp\r\n"
            headers += f"Content-Base: {self.url()}/\r\nContent-Length: {len(sdp)}\r\n"
            return reply(cseq, "200 OK", headers) + sdp
        if method == "SETUP":
            return reply(
                cseq, "200 OK", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 7\r\n"
            )
        if method == "PLAY":
            return reply(cseq, "200 OK", "Session: 7\r\n")
        return reply(cseq, "200 OK", "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n")

    async def _send(self, writer: asyncio.StreamWriter) -> None:
        """The access units in a loop at 25 fps, one RTP packet in `drop_every` left out."""
        seq = 0
        index = 0
        while True:
            nals = split_nals(self._units[index % len(self._units)])
            for n, nal in enumerate(nals):
                for packet in rtp_packets(nal, seq, index * 3600, n == len(nals) - 1):
                    seq += 1
                    if seq % self._drop_every:
                        writer.write(b"$\x00" + struct.pack("!H", len(packet)) + packet)
            await writer.drain()
            index += 1
            await asyncio.sleep(0.04)
