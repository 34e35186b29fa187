"""An RTSP camera (asyncio, interleaved TCP) whose media goes wrong after a correct RTSP session.

Modes: ``silent`` answers DESCRIBE, SETUP and PLAY and then sends nothing (a camera whose encoder
hung); ``lossy`` sends H.264 at 25 fps but leaves out one RTP packet in `drop_every` (a bad
network), so the receiver loses frames until the next keyframe. Runs on its own event loop in a
background thread, like `tests.support.faulty_rtsp`, whose H.264 helpers it reuses.
"""

from __future__ import annotations

import asyncio
import base64
import struct
import threading
from typing import Literal

from tests.support.faulty_rtsp import h264_access_units, rtp_packets, split_nals

Mode = Literal["silent", "lossy"]


class QuietRtspServer:
    """One mode on 127.0.0.1 (port picked by the OS) until stop()."""

    def __init__(self, mode: Mode, *, drop_every: int = 20) -> None:
        self.mode = mode
        self.port = 0
        self.plays = 0
        self._drop_every = drop_every
        self._units = h264_access_units(50)  # keyframes at 0 and 25: one a second
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"quiet-{mode}")
        self._server: asyncio.Server | None = None

    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/stream"

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                lines = request.decode("latin-1").split("\r\n")
                method = lines[0].split(" ")[0]
                cseq = next(
                    (ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("cseq:")),
                    "0",
                )
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
            sdp = self._sdp().encode()
            headers = "Content-Type: application/sdp\r\n"
            headers += f"Content-Base: {self.url()}/\r\nContent-Length: {len(sdp)}\r\n"
            return _reply(cseq, headers) + sdp
        if method == "SETUP":
            return _reply(cseq, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 7\r\n")
        if method == "PLAY":
            return _reply(cseq, "Session: 7\r\n")
        return _reply(cseq, "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n")

    def _sdp(self) -> str:
        nals = split_nals(self._units[0])
        sps = next(n for n in nals if n[0] & 0x1F == 7)
        pps = next(n for n in nals if n[0] & 0x1F == 8)
        sprop = ",".join(base64.b64encode(n).decode() for n in (sps, pps))
        return (
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=quiet\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
            f"a=fmtp:96 packetization-mode=1;sprop-parameter-sets={sprop}\r\n"
            "a=control:trackID=0\r\n"
        )

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


def _reply(cseq: str, headers: str) -> bytes:
    return f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{headers}\r\n".encode()
