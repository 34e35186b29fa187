"""SRT sockets through the system's libsrt, for SRT outputs and SRT camera ingest.

Why ctypes: the PyAV 18.1 wheels bundle an FFmpeg built without libsrt (`srt://` gives "Protocol
not found") and no maintained Python binding of libsrt exists. libsrt itself (Haivision's
reference implementation, installed with Debian's ffmpeg) does the whole protocol; this module
only adapts its C API: create a socket, set options, listen/accept or connect with timeouts
that a stop flag can cut short, send and receive live-mode messages, close. ctypes releases the
GIL during every call, so a blocked send or receive never holds up the event loop.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from vms.core.camera_url import CameraUrl

LIVE_PAYLOAD_BYTES = 1316  # 7 MPEG-TS packets: the live-mode message size every peer accepts
_WAIT_SLICE_MS = 200  # a stop flag is noticed within this while waiting for a caller
_LIBRARY_NAMES = ("libsrt-gnutls.so.1.5", "libsrt-openssl.so.1.5", "libsrt.so.1.5", "libsrt.so.1")
# SRT_SOCKOPT values (srt.h); stable across libsrt 1.4 and 1.5.
_SNDSYN, _RCVSYN, _SNDTIMEO, _RCVTIMEO, _REUSEADDR = 1, 2, 13, 14, 15
_LATENCY, _PASSPHRASE, _CONNTIMEO, _STREAMID, _PEERIDLETIMEO = 23, 26, 36, 46, 55
_EASYNCSND, _EASYNCRCV = 6001, 6002
_CONNECTED, _BROKEN, _CLOSED, _NONEXIST = 5, 6, 8, 9
_INVALID = -1
_EPOLL_IN, _EPOLL_ERR = 0x1, 0x8
_LOG_CRIT = 2  # libsrt logs to stderr by itself; our callers report every failure they see


class _EpollEvent(ctypes.Structure):
    _fields_ = (("fd", ctypes.c_int), ("events", ctypes.c_int))


class SrtError(OSError):
    """An SRT call failed; `code` is libsrt's SRT_ERRNO."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


class SrtUnavailableError(SrtError):
    """libsrt is not installed (Debian: libsrt1.5-gnutls, pulled in by ffmpeg)."""


@dataclass(frozen=True, slots=True)
class SrtOptions:
    """Connection options: receiver latency, AES passphrase, stream id and timeouts."""

    latency_ms: int = 120
    passphrase: str | None = None
    stream_id: str | None = None
    connect_timeout_ms: int = 3000
    peer_idle_timeout_ms: int = 5000
    send_timeout_ms: int = 1000
    recv_timeout_ms: int = 250


@dataclass(frozen=True, slots=True)
class SrtUrl:
    """An `srt://host:port?mode=…&latency=…&passphrase=…&streamid=…` URL (FFmpeg's spelling)."""

    host: str
    port: int
    listener: bool
    options: SrtOptions


def parse_srt_url(url: CameraUrl | str, *, connect_timeout_ms: int = 3000) -> SrtUrl:
    """Read an SRT URL; ValueError with a readable reason (never the passphrase) when invalid.

    As in FFmpeg, `latency` is in microseconds; `mode` is caller (default) or listener.
    """
    parts = url if isinstance(url, CameraUrl) else CameraUrl.parse(url, schemes=None)
    if parts.scheme != "srt":
        raise ValueError("not an srt:// URL")
    port = parts.port
    if port is None:
        raise ValueError("an SRT URL needs a port: srt://host:port")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    mode = query.get("mode", "caller").lower()
    if mode not in ("caller", "listener"):
        raise ValueError(f"SRT mode {mode!r} is not supported: use caller or listener")
    if mode == "caller" and not parts.host:
        raise ValueError("an SRT caller URL needs a host: srt://host:port")
    passphrase = query.get("passphrase") or None
    if passphrase is not None and not 10 <= len(passphrase) <= 79:
        raise ValueError("the SRT passphrase must have 10 to 79 characters")
    latency_us = query.get("latency", "120000")
    if not latency_us.isdigit():
        raise ValueError("SRT latency must be a whole number of microseconds")
    options = SrtOptions(
        latency_ms=max(20, int(latency_us) // 1000),
        passphrase=passphrase,
        stream_id=query.get("streamid") or None,
        connect_timeout_ms=connect_timeout_ms,
    )
    return SrtUrl(parts.host or "0.0.0.0", port, mode == "listener", options)


_lock = threading.Lock()
_lib: Any = None


def _library() -> Any:
    """libsrt, loaded and started once per process (the library object is untyped: ctypes)."""
    global _lib  # noqa: PLW0603 (one process-wide handle, like the C library's own state)
    with _lock:
        if _lib is None:
            _lib = _load()
        return _lib


def _load() -> Any:
    names = [*_LIBRARY_NAMES, ctypes.util.find_library("srt") or ""]
    for name in filter(None, names):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.srt_getlasterror_str.restype = ctypes.c_char_p
        lib.srt_rejectreason_str.restype = ctypes.c_char_p
        lib.srt_accept.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
        lib.srt_epoll_uwait.argtypes = (
            ctypes.c_int,
            ctypes.POINTER(_EpollEvent),
            ctypes.c_int,
            ctypes.c_int64,
        )
        if lib.srt_startup() < 0:
            raise SrtError("libsrt failed to start")
        lib.srt_setloglevel(_LOG_CRIT)
        return lib
    raise SrtUnavailableError("libsrt is not installed (Debian package libsrt1.5-gnutls)")


def available() -> bool:
    """True when libsrt can be loaded."""
    try:
        _library()
    except SrtError:
        return False
    return True


def _last_error(lib: Any, what: str) -> SrtError:
    code = int(lib.srt_getlasterror(None))
    text = (lib.srt_getlasterror_str() or b"").decode("utf-8", "replace")
    return SrtError(f"{what}: {text}", code)


def _sockaddr(host: str, port: int) -> bytes:
    """A `struct sockaddr_in`/`sockaddr_in6` for libsrt (resolving the host name)."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    if family == socket.AF_INET6:
        packed = socket.inet_pton(socket.AF_INET6, str(address[0]))
        scope = int(address[3]) if len(address) > 3 else 0
        return (
            struct.pack("=H", family)
            + struct.pack("!HI16s", port, 0, packed)
            + struct.pack("=I", scope)
        )
    packed = socket.inet_pton(socket.AF_INET, str(address[0]))
    return struct.pack("=H", family) + struct.pack("!H4s8x", port, packed)


class SrtSocket:
    """One SRT socket in live mode; methods are blocking, bounded by timeouts, thread-safe to
    close from another thread (the blocked call then fails)."""

    def __init__(self, handle: int) -> None:
        self._lib = _library()
        self._handle = handle
        self._closed = False

    @classmethod
    def _create(cls, options: SrtOptions, *, blocking: bool) -> SrtSocket:
        lib = _library()
        handle = int(lib.srt_create_socket())
        if handle == _INVALID:
            raise _last_error(lib, "cannot create an SRT socket")
        sock = cls(handle)
        try:
            sock._set_int(_LATENCY, options.latency_ms)
            sock._set_int(_CONNTIMEO, options.connect_timeout_ms)
            sock._set_int(_PEERIDLETIMEO, options.peer_idle_timeout_ms)
            sock._set_int(_SNDTIMEO, options.send_timeout_ms)
            sock._set_int(_RCVTIMEO, options.recv_timeout_ms)
            sock._set_int(_RCVSYN, int(blocking))
            sock._set_int(_SNDSYN, 1)
            if options.passphrase:
                sock._set_bytes(_PASSPHRASE, options.passphrase.encode())
            if options.stream_id:
                sock._set_bytes(_STREAMID, options.stream_id.encode())
        except SrtError:
            sock.close()
            raise
        return sock

    @classmethod
    def listen(cls, host: str, port: int, options: SrtOptions, backlog: int = 4) -> SrtSocket:
        """A listener bound to host:port (accepted sockets inherit `options`)."""
        sock = cls._create(options, blocking=False)
        try:
            sock._set_int(_REUSEADDR, 1)
            address = _sockaddr(host or "0.0.0.0", port)
            if sock._lib.srt_bind(sock._handle, address, len(address)) < 0:
                raise _last_error(sock._lib, f"cannot listen on {host}:{port}")
            if sock._lib.srt_listen(sock._handle, backlog) < 0:
                raise _last_error(sock._lib, f"cannot listen on {host}:{port}")
        except (SrtError, OSError):
            sock.close()
            raise
        return sock

    def accept(self, timeout_s: float, stop: threading.Event | None = None) -> SrtSocket | None:
        """The next caller, or None when `timeout_s` passed or `stop` was set first."""
        deadline = time.monotonic() + timeout_s
        eid = int(self._lib.srt_epoll_create())
        if eid < 0:
            raise _last_error(self._lib, "cannot wait for callers")
        try:
            events = ctypes.c_int(_EPOLL_IN | _EPOLL_ERR)
            if self._lib.srt_epoll_add_usock(eid, self._handle, ctypes.byref(events)) < 0:
                raise _last_error(self._lib, "cannot wait for callers")
            ready = (_EpollEvent * 1)()
            while not self._closed and not (stop is not None and stop.is_set()):
                left_ms = int((deadline - time.monotonic()) * 1000)
                if left_ms <= 0:
                    return None
                if self._lib.srt_epoll_uwait(eid, ready, 1, min(left_ms, _WAIT_SLICE_MS)) > 0:
                    accepted = self._accept_ready()
                    if accepted is not None:
                        return accepted
        finally:
            self._lib.srt_epoll_release(eid)
        return None

    def _accept_ready(self) -> SrtSocket | None:
        handle = int(self._lib.srt_accept(self._handle, None, None))
        if handle == _INVALID:
            error = _last_error(self._lib, "accept failed")
            if error.code == _EASYNCRCV:  # none yet after all (the caller gave up, or a
                return None  # wake-up before its handshake ended): wait on for the next
            raise error
        accepted = SrtSocket(handle)
        accepted._set_int(_RCVSYN, 1)
        return accepted

    @classmethod
    def connect(
        cls, host: str, port: int, options: SrtOptions, stop: threading.Event | None = None
    ) -> SrtSocket:
        """Call a listener; SrtError when it refuses or does not answer within the timeout."""
        sock = cls._create(options, blocking=False)
        try:
            address = _sockaddr(host, port)
            if sock._lib.srt_connect(sock._handle, address, len(address)) < 0:
                raise _last_error(sock._lib, f"cannot call {host}:{port}")
            sock._wait_connected(f"{host}:{port}", options.connect_timeout_ms / 1000, stop)
            sock._set_int(_RCVSYN, 1)
        except (SrtError, OSError):
            sock.close()
            raise
        return sock

    def _wait_connected(self, peer: str, timeout_s: float, stop: threading.Event | None) -> None:
        deadline = time.monotonic() + timeout_s + 0.5  # libsrt's own timeout ends it first
        while True:
            state = int(self._lib.srt_getsockstate(self._handle))
            if state == _CONNECTED:
                return
            if state >= _BROKEN:
                reason = int(self._lib.srt_getrejectreason(self._handle))
                text = (self._lib.srt_rejectreason_str(reason) or b"").decode("utf-8", "replace")
                raise SrtError(f"cannot call {peer}: {text or 'connection failed'}", reason)
            if stop is not None and stop.is_set():
                raise SrtError(f"cannot call {peer}: stopped")
            if time.monotonic() >= deadline:
                raise SrtError(f"cannot call {peer}: no answer (timed out)")
            time.sleep(0.01)

    def send(self, data: bytes) -> None:
        """Send `data` as live-mode messages of at most 1316 bytes; SrtError when it fails."""
        view = memoryview(data)
        for start in range(0, len(view), LIVE_PAYLOAD_BYTES):
            chunk = bytes(view[start : start + LIVE_PAYLOAD_BYTES])
            if self._lib.srt_sendmsg(self._handle, chunk, len(chunk), -1, 1) < 0:
                error = _last_error(self._lib, "send failed")
                if error.code == _EASYNCSND:
                    raise SrtError(
                        "send failed: the peer is not keeping up (timed out)", error.code
                    )
                raise error

    def recv(self) -> bytes | None:
        """One message; None when nothing came within the receive timeout; SrtError when the
        connection is broken (the peer left)."""
        buffer = ctypes.create_string_buffer(1500)
        size = int(self._lib.srt_recvmsg(self._handle, buffer, len(buffer)))
        if size < 0:
            error = _last_error(self._lib, "receive failed")
            if error.code == _EASYNCRCV:
                return None
            raise error
        return buffer.raw[:size]

    def __enter__(self) -> SrtSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return not self._closed and int(self._lib.srt_getsockstate(self._handle)) == _CONNECTED

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._lib.srt_close(self._handle)

    def _set_int(self, option: int, value: int) -> None:
        raw = ctypes.c_int32(value)
        self._set(option, ctypes.byref(raw), ctypes.sizeof(raw))

    def _set_bytes(self, option: int, value: bytes) -> None:
        self._set(option, value, len(value))

    def _set(self, option: int, value: object, size: int) -> None:
        if self._lib.srt_setsockflag(self._handle, option, value, size) < 0:
            raise _last_error(self._lib, f"SRT option {option} rejected")


class SrtReader:
    """A read-only file object over a connected SRT socket, for `av.open(reader, format=…)`.

    `read` returns one message (PyAV accepts short reads) and b"" when the peer left; it raises
    TimeoutError after `idle_timeout_s` without data and stops early when `should_stop()`.
    """

    def __init__(
        self, sock: SrtSocket, *, idle_timeout_s: float, should_stop: Callable[[], bool]
    ) -> None:
        self._sock = sock
        self._idle_timeout_s = idle_timeout_s
        self._should_stop = should_stop

    def read(self, size: int = -1) -> bytes:
        idle_since = time.monotonic()
        while not self._should_stop():
            try:
                data = self._sock.recv()
            except SrtError:
                return b""  # the peer left or the connection broke: end of stream
            if data:
                return data
            if time.monotonic() - idle_since >= self._idle_timeout_s:
                raise TimeoutError(f"no SRT data for {self._idle_timeout_s:g} s")
        return b""

    def close(self) -> None:
        self._sock.close()
