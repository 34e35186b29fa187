"""Tiny asyncio RTSP servers that misbehave on purpose, for ingest's bad-input tests.

Modes: ``garbage`` (answers any connection with random bytes), ``unauthorized`` (401 to every
request), ``mid_gop`` (a valid H.264 session over interleaved TCP that sends a keyframe and a few
delta frames, then closes the connection in the middle of the GOP). Each runs on its own event loop
in a background thread so the synchronous Source under test can connect to it.

`JumpingRtspProxy` goes in front of a real camera (the GStreamer one) and makes its RTP clock jump
on demand, with or without the sender reports following the jump.
"""

from __future__ import annotations

import asyncio
import base64
import fractions
import os
import struct
import time
from collections.abc import Iterator
from typing import Literal

import av
from av.video.codeccontext import VideoCodecContext

from tests.support.loop_server import LoopServer

Mode = Literal["garbage", "unauthorized", "mid_gop"]
_MTU = 1200


def h264_access_units(frames: int = 8) -> list[bytes]:
    """Annex B access units from libx264 (SPS/PPS in-band in the first), 64x64 at 25 fps."""
    codec = av.CodecContext.create("libx264", "w")
    assert isinstance(codec, VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = 64, 64, "yuv420p"
    codec.time_base = fractions.Fraction(1, 25)
    codec.options = {"tune": "zerolatency", "preset": "ultrafast", "g": "25", "bf": "0"}
    out: list[bytes] = []
    for index in range(frames):
        frame = av.VideoFrame(64, 64, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([(index * 16) % 256]) * plane.buffer_size)
        frame.pts = index
        out += [bytes(p) for p in codec.encode(frame)]
    out += [bytes(p) for p in codec.encode(None)]
    return out


def split_nals(access_unit: bytes) -> list[bytes]:
    parts = access_unit.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01").split(b"\x00\x00\x01")
    return [p for p in parts if p]


def h264_sdp(first_unit: bytes, name: str) -> str:
    """The SDP of one H.264 track whose parameter sets are those of `first_unit`."""
    nals = split_nals(first_unit)
    sps = next(n for n in nals if n[0] & 0x1F == 7)
    pps = next(n for n in nals if n[0] & 0x1F == 8)
    sprop = ",".join(base64.b64encode(n).decode() for n in (sps, pps))
    return (
        f"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns={name}\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        f"a=fmtp:96 packetization-mode=1;sprop-parameter-sets={sprop}\r\n"
        "a=control:trackID=0\r\n"
    )


async def read_request(reader: asyncio.StreamReader) -> tuple[str, str]:
    """The next RTSP request's method and CSeq (its headers are read and dropped)."""
    request = await reader.readuntil(b"\r\n\r\n")
    lines = request.decode("latin-1").split("\r\n")
    cseq = next(
        (ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("cseq:")), "0"
    )
    return lines[0].split(" ")[0], cseq


def rtp_packets(nal: bytes, seq: int, timestamp: int, last: bool) -> Iterator[bytes]:
    """RFC 6184 single NAL unit or FU-A packets (payload type 96, SSRC fixed)."""

    def header(marker: bool, number: int) -> bytes:
        return struct.pack(
            "!BBHII",
            0x80,
            (0x80 if marker else 0) | 96,
            number & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            0x1234ABCD,
        )

    if len(nal) <= _MTU:
        yield header(last, seq) + nal
        return
    indicator = (nal[0] & 0xE0) | 28
    body = nal[1:]
    chunks = [body[i : i + _MTU] for i in range(0, len(body), _MTU)]
    for index, chunk in enumerate(chunks):
        start, end = index == 0, index == len(chunks) - 1
        fu_header = (0x80 if start else 0) | (0x40 if end else 0) | (nal[0] & 0x1F)
        yield header(last and end, seq + index) + bytes([indicator, fu_header]) + chunk


class FaultyRtspServer(LoopServer):
    """Runs one misbehaving mode on 127.0.0.1 (port picked by the OS) until stop()."""

    def __init__(self, mode: Mode, *, frames_before_close: int = 4) -> None:
        super().__init__(f"faulty-{mode}")
        self.mode = mode
        self.connections = 0
        self._frames_before_close = frames_before_close
        self._units = h264_access_units() if mode == "mid_gop" else []

    def url(self, credentials: str | None = None) -> str:
        auth = f"{credentials}@" if credentials else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/stream"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            if self.mode == "garbage":
                writer.write(os.urandom(4096))
                await writer.drain()
                await reader.read(65536)
            else:
                await self._rtsp(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _rtsp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            method, cseq = await read_request(reader)
            if self.mode == "unauthorized":
                writer.write(
                    reply(cseq, "401 Unauthorized", 'WWW-Authenticate: Basic realm="faulty"\r\n')
                )
                await writer.drain()
                continue
            if method == "DESCRIBE":
                sdp = h264_sdp(self._units[0], "faulty").encode()
                headers = "Content-Type: application/sdp\r\n"
                headers += f"Content-Base: {self.url()}/\r\nContent-Length: {len(sdp)}\r\n"
                writer.write(reply(cseq, "200 OK", headers) + sdp)
            elif method == "SETUP":
                transport = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 42\r\n"
                writer.write(reply(cseq, "200 OK", transport))
            elif method == "PLAY":
                writer.write(reply(cseq, "200 OK", "Session: 42\r\n"))
                await writer.drain()
                await self._send_frames(writer)
                return  # close mid-GOP
            else:
                public = "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n"
                writer.write(reply(cseq, "200 OK", public))
            await writer.drain()

    async def _send_frames(self, writer: asyncio.StreamWriter) -> None:
        seq = 0
        for index, unit in enumerate(self._units[: self._frames_before_close]):
            nals = split_nals(unit)
            for n, nal in enumerate(nals):
                for packet in rtp_packets(nal, seq, index * 3600, n == len(nals) - 1):
                    writer.write(b"$\x00" + struct.pack("!H", len(packet)) + packet)
                    seq += 1
            await writer.drain()
            await asyncio.sleep(0.04)


def reply(cseq: str, status: str, headers: str) -> bytes:
    """An RTSP answer with its CSeq and headers (each ending in CRLF)."""
    return f"RTSP/1.0 {status}\r\nCSeq: {cseq}\r\n{headers}\r\n".encode()


RtcpMode = Literal["follow", "keep"]


class JumpingRtspProxy(LoopServer):
    """An RTSP proxy (interleaved TCP) in front of a real camera whose clock jumps on `jump()`.

    From the first RTP packet of a new frame after `jump()` on, every RTP timestamp is moved by
    `offset_s` (at `clock_rate`), as a camera restart, an NTP step or a wrong camera clock does.
    Sender reports (RTCP SR) are moved with it (`rtcp="follow"`: the camera's NTP time jumped
    too, the reported case) or left alone (`rtcp="keep"`: RTCP keeps the old mapping). Everything
    else is relayed as it is, both ways; `reports_after_jump` counts the SRs relayed after it.
    """

    def __init__(
        self,
        upstream_port: int,
        *,
        offset_s: float,
        rtcp: RtcpMode = "follow",
        clock_rate: int = 90_000,
    ) -> None:
        super().__init__("jumping-proxy")
        self.reports_after_jump = 0
        self.jumped_at: float | None = None  # time.time() of the first moved packet
        self._upstream_port = upstream_port
        self._offset_s = offset_s
        self._offset_ticks = round(offset_s * clock_rate)
        self._rtcp = rtcp
        self._armed = False
        self._jumping = False
        self._last_timestamp: dict[int, int] = {}

    def url(self, path: str = "h264") -> str:
        return f"rtsp://127.0.0.1:{self.port}/{path}"

    def jump(self) -> None:
        """Move the timestamps from the next frame on (called from the test's thread)."""
        self._loop.call_soon_threadsafe(setattr, self, "_armed", True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)
        upward = asyncio.ensure_future(_relay(reader, up_writer))
        try:
            await self._downward(up_reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            upward.cancel()
            writer.close()
            up_writer.close()

    async def _downward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Camera to client: RTSP answers as they are, interleaved frames rewritten."""
        while True:
            first = await reader.readexactly(1)
            if first != b"$":
                head = first + await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                writer.write(head + await reader.readexactly(length))
                await writer.drain()
                continue
            header = await reader.readexactly(3)
            channel, size = header[0], struct.unpack("!H", header[1:])[0]
            packet = bytearray(await reader.readexactly(size))
            if channel % 2 == 0:
                self._rtp(channel, packet)
            elif self._jumping and self._rtcp == "follow":
                self._sender_reports(packet)
            elif self._jumping:
                self.reports_after_jump += packet[1:2] == b"\xc8"  # an SR, relayed as it was
            writer.write(b"$" + header + bytes(packet))
            await writer.drain()

    def _rtp(self, channel: int, packet: bytearray) -> None:
        if len(packet) < 12:
            return
        (timestamp,) = struct.unpack_from("!I", packet, 4)
        if self._armed and self._last_timestamp.get(channel) != timestamp:
            self._armed, self._jumping = False, True  # a frame boundary: jump here
            self.jumped_at = time.time()
        self._last_timestamp[channel] = timestamp
        if self._jumping:
            moved = (timestamp + self._offset_ticks) & 0xFFFFFFFF
            struct.pack_into("!I", packet, 4, moved)

    def _sender_reports(self, compound: bytearray) -> None:
        """Move the NTP time and RTP timestamp of each SR in a compound RTCP packet."""
        at = 0
        while at + 4 <= len(compound) and compound[at] >> 6 == 2:
            length = 4 * (struct.unpack_from("!H", compound, at + 2)[0] + 1)
            if compound[at + 1] == 200 and at + 20 <= len(compound):
                seconds, fraction, timestamp = struct.unpack_from("!III", compound, at + 8)
                ntp = seconds + fraction / 2**32 + self._offset_s
                whole = int(ntp)
                struct.pack_into(
                    "!III",
                    compound,
                    at + 8,
                    whole & 0xFFFFFFFF,
                    int((ntp - whole) * 2**32) & 0xFFFFFFFF,
                    (timestamp + self._offset_ticks) & 0xFFFFFFFF,
                )
                self.reports_after_jump += 1
            at += length


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Client to camera, byte for byte (requests, RTCP receiver reports)."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
