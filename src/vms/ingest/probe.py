"""Camera probe: open an RTSP URL once, describe its tracks and decode one keyframe, in a deadline.

The settings page's "Test" button calls it before a camera is saved, so a wrong address, path or
password is caught with a plain-words reason, and the user sees the picture. It opens its own
short-lived PyAV connection (never a hub, recorder or running camera) on a thread of its own,
bounded by PyAV's interrupt-callback `timeout` (worth its per-read GIL cost for a one-off probe;
the long-lived `Source` avoids it) and by a deadline checked between packets. `ProbeRunner` caps
how many probes run at once and answers its caller by the deadline even if FFmpeg is slow to stop.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Literal

import av
import av.container
import av.error
from av.video.stream import VideoStream

from vms.core.camera_url import CameraUrl, CameraUrlError
from vms.core.clock import Clock
from vms.core.errors import InvalidInputError, UnavailableError, VmsError
from vms.core.redact import redact_text
from vms.core.threads import call_in_loop
from vms.ingest.health import AUDIO_ONLY_REFUSED, parse_rtsp_url
from vms.media.jpeg import encode_jpeg, scaled_to_width

log = logging.getLogger(__name__)

SNAPSHOT_MAX_WIDTH = 640
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 20.0
MAX_RUNNING = 2
RETRY_AFTER_S = 5
ANSWER_GRACE_S = 0.5  # the caller hears back at most this long after the deadline
_DEFAULT_RTSP_PORT = 554
_MAX_FPS = 300.0

Transport = Literal["tcp", "udp"]


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    """What to probe; `password` is a secret: never logged, never echoed."""

    url: str
    username: str | None = None
    password: str | None = None
    transport: Transport = "tcp"

    def __repr__(self) -> str:
        shown = "'***'" if self.password else "None"
        url = redact_text(self.url, self.secrets)
        return (
            f"ProbeRequest(url={url!r}, username={self.username!r}, "
            f"password={shown}, transport={self.transport!r})"
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret the request carries, for redacting messages."""
        try:
            in_url = CameraUrl.parse(self.url).secrets()
        except CameraUrlError:
            in_url = ()  # nothing was read from it: its errors never show it
        return tuple(s for s in (self.password, *in_url) if s)


@dataclass(frozen=True, slots=True)
class VideoInfo:
    codec: str  # FFmpeg codec name: "h264", "hevc", ...
    profile: str | None
    width: int
    height: int
    fps: float | None  # None when the stream does not say


@dataclass(frozen=True, slots=True)
class AudioInfo:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class ProbeResult:
    video: VideoInfo
    audio: AudioInfo | None
    snapshot_jpeg: bytes  # the first decoded keyframe, at most SNAPSHOT_MAX_WIDTH wide
    elapsed_ms: int


class ProbeFailedError(InvalidInputError):
    """The camera could not be probed for a reason the user can fix (address, path, password)."""


class ProbeTimedOutError(UnavailableError):
    """No picture arrived within the deadline."""

    def __init__(self, timeout_s: float, why: str) -> None:
        super().__init__(f"no video within {timeout_s:g} s ({why})")
        self.timeout_s = timeout_s


class ProbeBusyError(UnavailableError):
    """Too many probes run already; try again after `retry_after_s`."""

    def __init__(self, running: int, retry_after_s: int = RETRY_AFTER_S) -> None:
        super().__init__(f"{running} camera probes are running already; try again in a moment")
        self.retry_after_s = retry_after_s


def probe_url(request: ProbeRequest) -> CameraUrl:
    """The URL to open, parsed once here (the probe is an edge): the request's user name and
    password (if given) replace the URL's own.

    Raises ProbeFailedError for a URL that cannot be an RTSP camera's.
    """
    try:
        url = parse_rtsp_url(request.url)
    except ValueError as exc:  # CameraUrlError too: never shows the password
        raise ProbeFailedError(
            f"not an RTSP URL: {redact_text(str(exc), request.secrets)}"
        ) from None
    if request.password and not request.username:
        raise ProbeFailedError("a password was given without a user name")
    if not request.username:
        return url
    return url.replace_credentials(request.username, request.password or None)


def probe_camera(request: ProbeRequest, *, clock: Clock, timeout_s: float) -> ProbeResult:
    """Open, describe, decode the first keyframe. Blocking; bounded by `timeout_s` plus one
    socket read at worst (ProbeRunner gives callers a hard deadline). Raises ProbeFailedError or
    ProbeTimedOutError with redacted, plain-words messages."""
    started = clock.monotonic()
    url = probe_url(request)
    _resolve(url, request)
    try:
        container = av.open(
            url.with_credentials(),  # FFmpeg takes one string
            options={
                "rtsp_transport": request.transport,
                "timeout": str(int(timeout_s * 1_000_000)),  # µs, per socket operation
                "analyzeduration": "1000000",  # µs: the SDP carries the parameter sets
                "probesize": "500000",
            },
            timeout=(timeout_s, timeout_s),
        )
    except Exception as exc:
        timed_out = clock.monotonic() - started >= timeout_s * 0.9
        raise open_error(exc, request, timeout_s=timeout_s, timed_out=timed_out) from None
    try:
        stream, video, audio = _describe(container)
        frame = _first_keyframe(container, stream, clock, started + timeout_s, timeout_s)
    finally:
        container.close()
    jpeg = encode_jpeg(scaled_to_width(frame, SNAPSHOT_MAX_WIDTH))
    if jpeg is None:
        raise ProbeFailedError("the camera's picture could not be encoded as JPEG")
    return ProbeResult(video, audio, jpeg, round((clock.monotonic() - started) * 1000))


def _parsed(request: ProbeRequest) -> CameraUrl | None:
    try:
        return CameraUrl.parse(request.url)
    except CameraUrlError:
        return None


def _where(request: ProbeRequest) -> str:
    url = _parsed(request)
    return "the camera" if url is None else f"{url.host}:{url.port or _DEFAULT_RTSP_PORT}"


def _resolve(url: CameraUrl, request: ProbeRequest) -> None:
    """Resolve the host name first: FFmpeg reports an unknown host as a bare I/O error."""
    host = url.host
    try:
        socket.getaddrinfo(host, url.port or _DEFAULT_RTSP_PORT, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        message = f"cannot connect to {host}: the host name cannot be resolved ({reason})"
        raise ProbeFailedError(redact_text(message, request.secrets)) from None


def open_error(
    exc: BaseException, request: ProbeRequest, *, timeout_s: float, timed_out: bool
) -> VmsError:
    """The plain-words, redacted error for a failed open of `request`."""
    where = _where(request)
    refusal = _refusal(exc, request, where)
    if refusal is not None:
        return ProbeFailedError(refusal)
    if timed_out or isinstance(exc, TimeoutError) or getattr(exc, "errno", None) == errno.ETIMEDOUT:
        return ProbeTimedOutError(timeout_s, f"no answer from {where}")
    if isinstance(exc, av.error.InvalidDataError):
        return ProbeFailedError(f"the server at {where} did not answer as an RTSP camera")
    detail = getattr(exc, "strerror", None) or str(exc)
    message = f"cannot open the stream at {where}: {detail}"
    return ProbeFailedError(redact_text(message, request.secrets))


def _refusal(exc: BaseException, request: ProbeRequest, where: str) -> str | None:
    """Why the camera (or its host) turned the connection down, if it did."""
    code = getattr(exc, "errno", None)
    url = _parsed(request)
    if isinstance(exc, av.error.HTTPUnauthorizedError):
        if request.username or (url is not None and url.password is not None):
            return "the camera refused the user name or password"
        return "the camera asks for a user name and password"
    path = (url.path if url is not None else "") or "/"
    reasons = (
        (
            isinstance(exc, av.error.HTTPForbiddenError),
            "the camera refused access to this stream (403 Forbidden)",
        ),
        (
            isinstance(exc, av.error.HTTPNotFoundError),
            f"the camera has no stream at {path} (404 Not Found): check the path",
        ),
        (
            isinstance(exc, ConnectionRefusedError) or code == errno.ECONNREFUSED,
            f"cannot connect to {where}: connection refused",
        ),
        (
            code in (errno.EHOSTUNREACH, errno.ENETUNREACH),
            f"cannot connect to {where}: host unreachable",
        ),
    )
    return next((reason for hit, reason in reasons if hit), None)


def _describe(
    container: av.container.InputContainer,
) -> tuple[VideoStream, VideoInfo, AudioInfo | None]:
    if not container.streams.video:
        raise ProbeFailedError(AUDIO_ONLY_REFUSED)  # as the Source says (ADR 0013)
    stream = container.streams.video[0]
    context = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate
    fps = round(float(rate), 2) if rate and 0 < float(rate) <= _MAX_FPS else None
    profile = context.profile
    video = VideoInfo(context.name, profile or None, context.width, context.height, fps)
    audio = None
    if container.streams.audio:
        sound = container.streams.audio[0].codec_context
        audio = AudioInfo(sound.name, int(sound.sample_rate), int(sound.channels))
    return stream, video, audio


def _first_keyframe(
    container: av.container.InputContainer,
    stream: VideoStream,
    clock: Clock,
    deadline: float,
    timeout_s: float,
) -> av.VideoFrame:
    """Skip to the first keyframe packet and decode until a picture comes out."""
    stream.codec_context.thread_type = "SLICE"  # frame threads would hold pictures back
    keyed = False
    try:
        for packet in container.demux(stream):
            if clock.monotonic() > deadline:
                break
            keyed = keyed or packet.is_keyframe
            if not keyed or packet.size == 0:
                continue
            try:
                frames = stream.codec_context.decode(packet)
            except av.error.InvalidDataError:
                continue  # a damaged packet; the next one may decode
            if frames:
                return frames[0]
    except av.error.FFmpegError:
        if clock.monotonic() <= deadline:
            raise ProbeFailedError("the camera ended the stream before sending a picture") from None
    if clock.monotonic() <= deadline:
        raise ProbeFailedError("the camera ended the stream before sending a picture")
    why = "the camera answered, but no keyframe arrived in time"
    raise ProbeTimedOutError(timeout_s, why)


class ProbeRunner:
    """Runs probes on threads of their own, at most `max_running` at once (others are refused
    with ProbeBusyError), and answers each caller by its deadline."""

    def __init__(self, clock: Clock, *, max_running: int = MAX_RUNNING) -> None:
        self._clock = clock
        self._max_running = max_running
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        """Probes whose thread has not finished (a timed-out probe counts until it stops)."""
        with self._lock:
            return self._running

    async def probe(
        self, request: ProbeRequest, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> ProbeResult:
        if not 0 < timeout_s <= MAX_TIMEOUT_S:
            raise InvalidInputError(f"timeout_s must be above 0 and at most {MAX_TIMEOUT_S:g}")
        with self._lock:
            if self._running >= self._max_running:
                raise ProbeBusyError(self._running)
            self._running += 1
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ProbeResult] = loop.create_future()
        thread = threading.Thread(
            target=self._work,
            args=(loop, future, request, timeout_s),
            name="camera-probe",
            daemon=True,  # a probe stuck in FFmpeg must not hold the process at exit
        )
        try:
            thread.start()
        except BaseException:
            self._release()
            raise
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout_s + ANSWER_GRACE_S)
        except TimeoutError:
            raise ProbeTimedOutError(timeout_s, "the camera did not answer in time") from None
        finally:
            if not future.done():
                future.cancel()  # the thread's late outcome is then dropped

    def _work(
        self,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[ProbeResult],
        request: ProbeRequest,
        timeout_s: float,
    ) -> None:
        outcome: ProbeResult | VmsError
        try:
            outcome = probe_camera(request, clock=self._clock, timeout_s=timeout_s)
        except VmsError as exc:
            outcome = exc
        except Exception as exc:  # a bug must answer the caller, not leave it waiting
            log.warning(
                "camera probe failed unexpectedly: %s", redact_text(repr(exc), request.secrets)
            )
            outcome = ProbeFailedError("the probe failed unexpectedly; the server log has details")
        finally:
            self._release()
        call_in_loop(loop, _settle, future, outcome)

    def _release(self) -> None:
        with self._lock:
            self._running -= 1


def _settle(future: asyncio.Future[ProbeResult], outcome: ProbeResult | VmsError) -> None:
    if future.done():
        return
    if isinstance(outcome, VmsError):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
