"""RTSP/1.0 (RFC 2326) message parsing and formatting for the hand-written server.

Hand-written with the server it serves (see `vms.media.rtsp.server`): an incremental parser over the
bytes of one TCP connection that yields requests and client-sent interleaved (`$`) frames, with
hard limits so that garbage or a hostile peer costs a 400 and a closed connection, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vms.core.camera_url import request_path

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 64 * 1024
_METHOD = re.compile(rb"^[A-Z_]{3,20}$")
_VERSION = b"RTSP/1.0"
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "RTSP Version Not Supported",
}


class RtspParseError(Exception):
    """The peer sent bytes that are not RTSP; `cseq` is echoed in the 400 when it was read."""

    def __init__(self, message: str, cseq: str | None = None) -> None:
        super().__init__(message)
        self.cseq = cseq


@dataclass(frozen=True, slots=True)
class RtspRequest:
    """One parsed request; header names are lower-cased."""

    method: str
    uri: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def cseq(self) -> str:
        return self.headers.get("cseq", "")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def path(self) -> str:
        """The URI's path without a trailing slash ('/cam1/main/trackID=0'); '*' stays '*'."""
        if self.uri == "*":
            return "*"
        return "/" + request_path(self.uri).strip("/")


@dataclass(frozen=True, slots=True)
class InterleavedFrame:
    """A `$`-framed binary packet the client sent on the RTSP connection (RTCP receiver reports)."""

    channel: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RtspResponse:
    """A response to format; CSeq and Server are added by `encode`."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, cseq: str | None) -> bytes:
        reason = _REASONS.get(self.status, "Error")
        lines = [f"RTSP/1.0 {self.status} {reason}"]
        if cseq is not None and cseq != "":
            lines.append(f"CSeq: {cseq}")
        lines.append("Server: vms")
        lines.extend(f"{name}: {value}" for name, value in self.headers)
        if self.body:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


class RtspReader:
    """Incremental parser for one connection: feed bytes, take complete messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[RtspRequest | InterleavedFrame]:
        """Append `data` and return every complete message; raises RtspParseError on garbage."""
        self._buffer += data
        out: list[RtspRequest | InterleavedFrame] = []
        while self._buffer:
            message = self._next()
            if message is None:
                break
            out.append(message)
        return out

    def _next(self) -> RtspRequest | InterleavedFrame | None:
        buffer = self._buffer
        while buffer and buffer[0] in (0x0D, 0x0A):  # stray line ends between messages
            del buffer[:1]
        if not buffer:
            return None
        if buffer[0] == 0x24:  # '$'
            return self._next_frame()
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            self._check_partial_head()
            return None
        if end > MAX_HEADER_BYTES:
            raise RtspParseError("request head too large")
        head = bytes(buffer[:end])
        request = parse_head(head)
        length_text = request.headers.get("content-length", "0")
        if not length_text.isdigit() or int(length_text) > MAX_BODY_BYTES:
            raise RtspParseError("bad Content-Length", request.cseq or None)
        body_end = end + 4 + int(length_text)
        if len(buffer) < body_end:
            return None
        body = bytes(buffer[end + 4 : body_end])
        del buffer[:body_end]
        return RtspRequest(request.method, request.uri, request.headers, body)

    def _next_frame(self) -> InterleavedFrame | None:
        buffer = self._buffer
        if len(buffer) < 4:
            return None
        size = int.from_bytes(buffer[2:4], "big")
        if len(buffer) < 4 + size:
            return None
        frame = InterleavedFrame(buffer[1], bytes(buffer[4 : 4 + size]))
        del buffer[: 4 + size]
        return frame

    def _check_partial_head(self) -> None:
        """Fail early on a head that can never become a valid request."""
        if len(self._buffer) > MAX_HEADER_BYTES:
            raise RtspParseError("request head too large")
        first_line_end = self._buffer.find(b"\r\n")
        first = bytes(self._buffer if first_line_end < 0 else self._buffer[:first_line_end])
        method = first.split(b" ", 1)[0]
        if not re.fullmatch(rb"[A-Z_]{0,20}", method):
            raise RtspParseError("not an RTSP request")
        if first_line_end >= 0:
            _parse_request_line(first)


def _parse_request_line(line: bytes) -> tuple[str, str]:
    parts = line.split(b" ")
    if len(parts) != 3 or not _METHOD.match(parts[0]) or not parts[1]:
        raise RtspParseError("malformed request line")
    if parts[2] != _VERSION:
        raise RtspParseError("unsupported RTSP version")
    try:
        return parts[0].decode("ascii"), parts[1].decode("utf-8")
    except UnicodeDecodeError as error:
        raise RtspParseError("request line is not text") from error


def parse_head(head: bytes) -> RtspRequest:
    """Parse a request line and headers (no body); raises RtspParseError when malformed."""
    lines = head.split(b"\r\n")
    method, uri = _parse_request_line(lines[0])
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        name, sep, value = raw.partition(b":")
        if not sep or not name.strip() or b" " in name.strip():
            raise RtspParseError("malformed header line", headers.get("cseq"))
        try:
            key = name.strip().decode("ascii").lower()
            text = value.strip().decode("utf-8")
        except UnicodeDecodeError as error:
            raise RtspParseError("header is not text", headers.get("cseq")) from error
        headers[key] = text
    if "cseq" not in headers or not headers["cseq"].isdigit():
        raise RtspParseError("missing or malformed CSeq", headers.get("cseq"))
    return RtspRequest(method, uri, headers)


@dataclass(frozen=True, slots=True)
class TransportSpec:
    """What a client asked for in one SETUP's Transport header."""

    tcp: bool
    interleaved: tuple[int, int] | None = None
    client_port: tuple[int, int] | None = None


def parse_transport(value: str) -> TransportSpec | None:
    """The first unicast RTP/AVP alternative we can serve, or None (→ 461)."""
    for alternative in value.split(","):
        fields = [part.strip() for part in alternative.split(";") if part.strip()]
        if not fields:
            continue
        profile = fields[0].upper()
        params = dict(_param(part) for part in fields[1:])
        if "multicast" in params:
            continue
        if profile == "RTP/AVP/TCP":
            channels = _pair(params.get("interleaved"))
            return TransportSpec(tcp=True, interleaved=channels)
        if profile in ("RTP/AVP", "RTP/AVP/UDP"):
            ports = _pair(params.get("client_port"))
            if ports is None:
                continue
            return TransportSpec(tcp=False, client_port=ports)
    return None


def _param(part: str) -> tuple[str, str]:
    name, _, value = part.partition("=")
    return name.strip().lower(), value.strip()


def _pair(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    first, _, second = value.partition("-")
    if not first.isdigit() or (second and not second.isdigit()):
        return None
    low = int(first)
    high = int(second) if second else low + 1
    if not (0 <= low <= 65535 and 0 <= high <= 65535):
        return None
    return low, high
