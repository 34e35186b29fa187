"""Source health values and the helpers behind them: rates, URL checks, readable redacted errors."""

from __future__ import annotations

import errno
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

import av.error

from vms.core.camera_url import RTSP_SCHEMES, CameraUrl
from vms.core.redact import redact_text
from vms.media.rtsp.client import RtspProtocolError, RtspStatusError


class SourceState(StrEnum):
    IDLE = "idle"  # created, not started
    CONNECTING = "connecting"  # first connection attempt
    STREAMING = "streaming"  # packets flow
    DEGRADED = "degraded"  # packets flow, but video is lost, thrown away or broken (see reason)
    RECONNECTING = "reconnecting"  # lost or never reached; retrying with backoff
    FAILED = "failed"  # configuration error (bad URL): no retry until reconfigured
    STOPPED = "stopped"  # stop() was called


UP_STATES = frozenset({SourceState.STREAMING, SourceState.DEGRADED})
"""States in which the camera delivers packets (degraded ones too: they are recorded)."""

AUDIO_ONLY_REFUSED = "the camera sends no video track; audio-only streams are not recorded"
"""Why a stream without video is refused, by the probe, the Source and the API (ADR 0013)."""


class NoVideoTrackError(Exception):
    """The camera describes no video track (audio only): refused for good, not retried."""


class NoMediaError(Exception):
    """The camera answered (DESCRIBE, SETUP, PLAY) but sent no usable video; says for how long."""


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """What a camera stream is doing now; `last_error` never contains credentials."""

    state: SourceState
    fps: float
    bitrate_bps: float
    last_packet_ms: int | None
    reconnects: int  # connection attempts after the first one, failed ones included
    last_error: str | None
    connected_since_ms: int | None
    video_codec: str | None
    width: int
    height: int
    wallclock_source: str  # "rtcp" | "arrival"
    failed_attempts: int = 0  # connection attempts that delivered no packet, since the start
    degraded_reason: str | None = None  # what is wrong, while the state is DEGRADED


IDLE_HEALTH = SourceHealth(
    state=SourceState.IDLE,
    fps=0.0,
    bitrate_bps=0.0,
    last_packet_ms=None,
    reconnects=0,
    last_error=None,
    connected_since_ms=None,
    video_codec=None,
    width=0,
    height=0,
    wallclock_source="arrival",
)
"""A stream that has not started (the value a new Source begins from)."""


class RateWindow:
    """Video frames and bytes per second over a sliding window of monotonic time."""

    __slots__ = ("_bytes", "_events", "_window_s")

    def __init__(self, window_s: float = 5.0) -> None:
        self._window_s = window_s
        self._events: deque[tuple[float, int, bool]] = deque()
        self._bytes = 0

    def add(self, now: float, size: int, is_frame: bool) -> None:
        self._events.append((now, size, is_frame))
        self._bytes += size
        self._trim(now)

    def rates(self, now: float) -> tuple[float, float]:
        """(frames per second, bits per second) over the window ending at ``now``."""
        self._trim(now)
        if len(self._events) < 2:
            return 0.0, 0.0
        span = max(now - self._events[0][0], 1e-3)
        frames = sum(1 for event in self._events if event[2])
        return frames / span, self._bytes * 8 / span

    def clear(self) -> None:
        self._events.clear()
        self._bytes = 0

    def _trim(self, now: float) -> None:
        horizon = now - self._window_s
        while self._events and self._events[0][0] < horizon:
            self._bytes -= self._events.popleft()[1]


def parse_rtsp_url(url: CameraUrl | str) -> CameraUrl:
    """`url` as an RTSP camera URL (rtsp:// or rtsps://); ValueError (in words, never with
    the password) when it cannot be one. A string is parsed here, at the edge."""
    if isinstance(url, str):
        url = CameraUrl.parse(url)
    if url.scheme not in RTSP_SCHEMES:
        raise ValueError(f"unsupported URL scheme {url.scheme!r}: expected rtsp:// or rtsps://")
    return url


def describe_error(exc: BaseException, *, io_timeout_s: float, secrets: tuple[str, ...]) -> str:
    """A short, actionable, redacted message for a failed open or read."""
    if isinstance(exc, NoMediaError | NoVideoTrackError):
        return redact_text(str(exc), secrets)  # already in words; not "no answer" (it answered)
    return redact_text(_describe(exc, io_timeout_s), secrets)


_UNAUTHORIZED = "authentication failed (401 Unauthorized): check the user name and password"
_FORBIDDEN = "access denied by the camera (403 Forbidden)"
_NOT_FOUND = "stream not found on the camera (404 Not Found): check the path"
_FIXED_MESSAGES: tuple[tuple[type[BaseException], str], ...] = (
    (av.error.HTTPUnauthorizedError, _UNAUTHORIZED),
    (av.error.HTTPForbiddenError, _FORBIDDEN),
    (av.error.HTTPNotFoundError, _NOT_FOUND),
    (ConnectionRefusedError, "connection refused: nothing listens on that host and port"),
)
_STATUS_MESSAGES = {401: _UNAUTHORIZED, 403: _FORBIDDEN, 404: _NOT_FOUND}  # our RTSP client's


def _describe(exc: BaseException, io_timeout_s: float) -> str:
    for kind, message in _FIXED_MESSAGES:
        if isinstance(exc, kind):
            return message
    if isinstance(exc, RtspStatusError):
        return _STATUS_MESSAGES.get(exc.status, f"the camera refused the stream ({exc})")
    code = getattr(exc, "errno", None)
    if isinstance(exc, TimeoutError) or code == errno.ETIMEDOUT:
        return f"no answer from the camera within {io_timeout_s:g} s (timed out)"
    if isinstance(exc, av.error.InvalidDataError | RtspProtocolError):
        return f"the camera sent data that is not valid RTSP/RTP ({_detail(exc)})"
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return f"host unreachable ({_detail(exc)})"
    return f"{type(exc).__name__}: {_detail(exc)}"


def _detail(exc: BaseException) -> str:
    strerror = getattr(exc, "strerror", None)
    return str(strerror) if strerror else str(exc)
