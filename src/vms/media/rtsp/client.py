"""A blocking RTSP client (RFC 2326) that plays a camera over TCP with interleaved RTP.

Hand-written because FFmpeg's RTSP demuxer (the previous ingest) hands out an access unit only
when the next one starts, a frame late (40 ms at 25 fps) for every live viewer, and costs about
3 ms of CPU per camera-second; reading the interleaved frames in Python and completing each
access unit at its RTP marker bit costs about half that (see ADR 0010). It runs on the caller's
thread: one `Source` thread per camera stream, like the demuxer it replaces.

Scope: DESCRIBE / SETUP (every track, interleaved channels 2i and 2i+1) / PLAY / TEARDOWN,
Basic and Digest (MD5) authentication with the `CameraUrl`'s user name and password (fields of
the value, never split from a string), keep-alive requests within the session timeout, and RTSP
responses that arrive between media frames. RTP over UDP and rtsps stay with FFmpeg (see
`vms.ingest.transports`).
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

from vms.core.camera_url import CameraUrl
from vms.media.rtsp.auth import digest_response, parse_digest_params

DEFAULT_PORT = 554
USER_AGENT = "VMS"
_RECV_BYTES = 1 << 16
_MAX_HEAD_BYTES = 64 * 1024
_MAX_BODY_BYTES = 1 << 20
_MAX_GARBAGE_BYTES = 1 << 20  # bytes that are neither a frame nor a response, in a row
_DEFAULT_SESSION_TIMEOUT_S = 60.0


class RtspStatusError(Exception):
    """The camera answered a request with an error status (401, 404, 454, ...)."""

    def __init__(self, method: str, status: int, reason: str) -> None:
        super().__init__(f"{method} answered RTSP {status} {reason}".rstrip())
        self.method = method
        self.status = status


class RtspConnectionClosedError(ConnectionResetError):
    """The camera closed the connection (or `interrupt` was called)."""


class RtspProtocolError(Exception):
    """The camera sent bytes that are not RTSP or interleaved RTP."""


@dataclass(frozen=True, slots=True)
class RtspAnswer:
    status: int
    reason: str
    headers: Mapping[str, str]  # names lower-cased; a repeated header's values joined by "\n"
    body: bytes


class _Credentials:
    """Answers the camera's challenge: Digest when offered (the password never travels), else
    Basic; the first request goes without, as the camera decides which scheme it wants."""

    def __init__(self, user: str, password: str) -> None:
        self._user = user
        self._password = password
        self._digest: dict[str, str] | None = None
        self._basic = False
        self._count = 0

    @property
    def ready(self) -> bool:
        return self._digest is not None or self._basic

    def learn(self, challenges: str) -> bool:
        """Take the WWW-Authenticate values of a 401; False when none can be answered."""
        offers = [line.strip() for line in challenges.split("\n") if line.strip()]
        for offer in offers:
            scheme, _, rest = offer.partition(" ")
            if scheme.lower() == "digest":
                params = parse_digest_params(rest)
                if params.get("algorithm", "MD5").upper() in ("MD5", "") and "nonce" in params:
                    self._digest = params
                    self._count = 0
                    return True
        if any(offer.lower().startswith("basic") for offer in offers):
            self._basic = True
            return True
        return False

    def header(self, method: str, uri: str) -> str | None:
        if self._digest is not None:
            params = self._digest
            qop = "auth" if "auth" in params.get("qop", "").split(",") else None
            self._count += 1
            nc, cnonce = f"{self._count:08x}", os.urandom(8).hex()
            response = digest_response(
                self._user,
                params.get("realm", ""),
                self._password,
                method=method,
                uri=uri,
                nonce=params["nonce"],
                qop=qop,
                nc=nc,
                cnonce=cnonce,
            )
            fields = [
                f'username="{self._user}"',
                f'realm="{params.get("realm", "")}"',
                f'nonce="{params["nonce"]}"',
                f'uri="{uri}"',
                f'response="{response}"',
            ]
            if "opaque" in params:
                fields.append(f'opaque="{params["opaque"]}"')
            if qop:
                fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
            return "Digest " + ", ".join(fields)
        if self._basic:
            token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode()
            return f"Basic {token}"
        return None


class RtspClient:
    """One RTSP session. `connect`, `describe`, `setup` each track, `play`, then `read` frames
    until the connection ends; `interrupt` (from another thread) ends a blocked `read` at once."""

    def __init__(self, url: CameraUrl, *, timeout_s: float) -> None:
        if not url.host:
            raise ValueError("the RTSP URL has no host")
        self.url = url.request_url()  # credentials travel in Authorization headers only
        self._address = (url.host, url.port or DEFAULT_PORT)
        self._timeout_s = timeout_s
        password = "" if url.password is None else url.password.reveal()
        self._credentials = None if url.username is None else _Credentials(url.username, password)
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._cseq = 0
        self._session: str | None = None
        self._session_timeout_s = _DEFAULT_SESSION_TIMEOUT_S
        self._next_keepalive = 0.0
        self._playing = False
        self._garbage = 0  # bytes skipped by `_resync` since the last frame
        self._drained = True

    @property
    def drained(self) -> bool:
        """Whether the last receive took all the socket held (it filled less than it asked):
        a reader that pauses between reads pauses only then, so a backlog never builds up."""
        return self._drained

    # --- set-up ---------------------------------------------------------------------------

    def connect(self) -> None:
        self._sock = socket.create_connection(self._address, timeout=self._timeout_s)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def describe(self) -> tuple[str, str]:
        """The SDP and the base URL its relative controls resolve against."""
        answer = self.request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        base = answer.headers.get("content-base") or answer.headers.get("content-location")
        try:
            text = answer.body.decode("utf-8")
        except UnicodeDecodeError:
            text = answer.body.decode("latin-1")
        return text, base or self.url

    def setup(self, control: str, channel: int) -> None:
        transport = f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1}"
        answer = self.request("SETUP", control, {"Transport": transport})
        session = answer.headers.get("session")
        if session is None:
            raise RtspProtocolError("SETUP answer without a Session header")
        session_id, _, options = session.partition(";")
        self._session = session_id.strip()
        for option in options.split(";"):
            name, _, value = option.strip().partition("=")
            if name.lower() == "timeout" and value.strip().isdigit():
                self._session_timeout_s = max(float(value), 5.0)

    def play(self) -> None:
        self.request("PLAY", self.url, {"Range": "npt=0.000-"})
        self._playing = True
        self._next_keepalive = time.monotonic() + self._session_timeout_s / 2

    def request(self, method: str, uri: str, headers: Mapping[str, str]) -> RtspAnswer:
        """Send a request and wait for its answer (before PLAY only); retries once after a 401."""
        answer = self._exchange(method, uri, headers)
        if answer.status == 401 and self._credentials is not None:
            challenges = answer.headers.get("www-authenticate", "")
            if self._credentials.learn(challenges):
                answer = self._exchange(method, uri, headers)
        if answer.status != 200:
            raise RtspStatusError(method, answer.status, answer.reason)
        return answer

    def _exchange(self, method: str, uri: str, headers: Mapping[str, str]) -> RtspAnswer:
        self._send(method, uri, headers)
        while True:
            answer = self._take_answer()
            if answer is not None:
                return answer
            self._fill()

    def _send(self, method: str, uri: str, headers: Mapping[str, str]) -> None:
        self._cseq += 1
        lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self._cseq}", f"User-Agent: {USER_AGENT}"]
        if self._session is not None:
            lines.append(f"Session: {self._session}")
        if self._credentials is not None:
            authorization = self._credentials.header(method, uri)
            if authorization is not None:
                lines.append(f"Authorization: {authorization}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._socket().sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    # --- media ----------------------------------------------------------------------------

    def read(self) -> list[tuple[int, bytes]]:
        """The interleaved frames (channel, payload) that one receive completes; blocks."""
        self._fill()
        frames = self._frames()
        if self._playing and time.monotonic() >= self._next_keepalive:
            self._next_keepalive = time.monotonic() + self._session_timeout_s / 2
            self._send("GET_PARAMETER", self.url, {})
        return frames

    def _frames(self) -> list[tuple[int, bytes]]:
        buffer = self._buffer
        frames: list[tuple[int, bytes]] = []
        pos, size = 0, len(buffer)
        while pos < size:
            if buffer[pos] == 0x24:
                if size - pos < 4:
                    break
                length = (buffer[pos + 2] << 8) | buffer[pos + 3]
                end = pos + 4 + length
                if end > size:
                    break
                with memoryview(buffer) as view:  # one copy, not a slice and then bytes
                    frames.append((buffer[pos + 1], bytes(view[pos + 4 : end])))
                pos = end
            elif buffer.startswith(b"RTSP/", pos):
                consumed = self._skip_answer(pos)
                if consumed == 0:
                    break
                pos += consumed
            else:
                pos = self._resync(pos)
        del buffer[:pos]
        if frames:
            self._garbage = 0
        return frames

    def _skip_answer(self, pos: int) -> int:
        """Bytes taken by the (keep-alive) answer at `pos`; 0 while it is incomplete."""
        found = self._answer_at(pos)
        return 0 if found is None else found[1] - pos

    def _resync(self, pos: int) -> int:
        """Skip bytes that are neither a frame nor an answer, up to the next '$'; counted
        across reads, as each receive brings at most 64 KiB of them."""
        found = self._buffer.find(b"$", pos + 1)
        end = len(self._buffer) if found < 0 else found
        self._garbage += end - pos
        if self._garbage > _MAX_GARBAGE_BYTES:
            raise RtspProtocolError(f"{self._garbage} bytes in a row that are neither RTP nor RTSP")
        return end

    # --- plumbing -------------------------------------------------------------------------

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise ConnectionError("the RTSP connection is closed")
        return self._sock

    def _fill(self) -> None:
        chunk = self._socket().recv(_RECV_BYTES)
        if not chunk:
            raise RtspConnectionClosedError("the camera closed the connection")
        self._drained = len(chunk) < _RECV_BYTES
        self._buffer += chunk

    def _take_answer(self) -> RtspAnswer | None:
        """The answer at the start of the buffer (media frames before it are dropped), taken
        out of the buffer; None while it is incomplete."""
        buffer = self._buffer
        while buffer[:1] == b"$" and len(buffer) >= 4:  # media ahead of the answer
            end = 4 + ((buffer[2] << 8) | buffer[3])
            if len(buffer) < end:
                return None
            del buffer[:end]
        if len(buffer) >= 5 and not buffer.startswith(b"RTSP/"):
            raise RtspProtocolError(f"not an RTSP answer: {bytes(buffer[:16])!r}")
        found = self._answer_at(0)
        if found is None:
            return None
        answer, end = found
        del buffer[:end]
        return answer

    def _answer_at(self, pos: int) -> tuple[RtspAnswer, int] | None:
        """The answer that begins at `pos` and where it ends; None while it is incomplete."""
        buffer = self._buffer
        head_end = buffer.find(b"\r\n\r\n", pos)
        if head_end < 0:
            if len(buffer) - pos > _MAX_HEAD_BYTES:
                raise RtspProtocolError("no end of an RTSP answer header within 64 KiB")
            return None
        lines = bytes(buffer[pos:head_end]).decode("latin-1").split("\r\n")
        status_line = lines[0].split(" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith("RTSP/"):
            raise RtspProtocolError(f"not an RTSP answer: {lines[0][:80]!r}")
        try:
            status = int(status_line[1])
        except ValueError:
            raise RtspProtocolError(f"bad RTSP status line: {lines[0][:80]!r}") from None
        headers = _headers(lines[1:])
        end = head_end + 4 + _content_length(headers)
        if len(buffer) < end:
            return None
        reason = status_line[2] if len(status_line) > 2 else ""
        return RtspAnswer(status, reason, headers, bytes(buffer[head_end + 4 : end])), end

    def interrupt(self) -> None:
        """End a `read` blocked on another thread (it raises RtspConnectionClosedError)."""
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """TEARDOWN when playing (best effort, never waits for the answer), then close."""
        sock = self._sock
        if sock is None:
            return
        try:
            if self._playing:
                self._send("TEARDOWN", self.url, {})
        except OSError:
            pass
        finally:
            self._sock = None
            sock.close()


def _headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}\n{value}" if key in headers else value
    return headers


def _content_length(headers: Mapping[str, str]) -> int:
    value = headers.get("content-length", "0").split("\n")[0].strip()
    if not value.isdigit() or int(value) > _MAX_BODY_BYTES:
        raise RtspProtocolError(f"bad Content-Length {value[:20]!r}")
    return int(value)
