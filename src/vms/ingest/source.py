"""One camera stream's connection: a reader thread that feeds a hub and reconnects forever.

Each connection's reader comes from a `Connector` (`vms.ingest.transports`, where the transports
and their timeouts are explained): the project's RTSP client for RTSP over TCP (ADR 0010),
FFmpeg's demuxer for RTP over UDP, rtsps and SRT. stop() sets a flag that the thread checks
after every packet and during backoff, so a blocked read ends within ``io_timeout_s`` at worst.
The packet rules live in the pure `PacketNormaliser`; this module only does health and retries.

While nobody watches the stream live (the hub has no realtime subscriber), the RTSP client reads
every `BATCH_READ_S` instead of at every frame: the recorder takes packets in batches anyway,
and a thread woken four times a second instead of 25 costs about a third of the CPU (ADR 0011).
A live viewer's subscription ends the pause at once.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from vms.core.camera_url import CameraUrl
from vms.core.clock import Clock
from vms.core.ids import CameraId, StreamName
from vms.core.redact import redact_text
from vms.core.service import Backoff
from vms.ingest.degrade import Counters, DegradeMonitor, LogLimiter
from vms.ingest.demux_reader import Reader
from vms.ingest.health import (
    AUDIO_ONLY_REFUSED,
    IDLE_HEALTH,
    UP_STATES,
    NoVideoTrackError,
    RateWindow,
    SourceHealth,
    SourceState,
    describe_error,
)
from vms.ingest.hub import StreamHub
from vms.ingest.normalise import WALLCLOCK_ARRIVAL, PacketNormaliser
from vms.ingest.source_log import log_break, log_change, log_new_parameters
from vms.ingest.transports import Transport, connector_for
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

__all__ = ["BATCH_READ_S", "Source", "Transport"]  # Transport: part of Source's signature
log = logging.getLogger(__name__)

_ENDED_BY_CAMERA = "the camera closed the stream"
BATCH_READ_S = 0.25  # the recorder's own batch; the camera's TCP buffer holds far more


class Source:
    """Pulls one camera stream into a hub on its own thread; never raises to its owner.

    `url` is parsed here when given as text (tests, tools): a URL that cannot be read makes the
    Source FAILED at start, as the camera's configuration is then wrong."""

    def __init__(
        self,
        camera_id: CameraId,
        stream: StreamName,
        url: CameraUrl | str,
        hub: StreamHub,
        *,
        transport: Transport = "tcp",
        clock: Clock,
        backoff: Backoff = Backoff(initial_s=0.5, cap_s=30.0),  # noqa: B008 (frozen value)
        io_timeout_s: float = 10.0,
        on_health: Callable[[SourceHealth], None] | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self.hub = hub
        self._label = f"{camera_id}/{stream}"
        self._connector, self._problem = connector_for(
            url, transport, io_timeout_s=io_timeout_s, clock=clock, label=self._label
        )
        self._url = None if self._connector is None else self._connector.url
        self._transport = transport
        self._clock = clock
        self._backoff = backoff
        self._io_timeout_s = io_timeout_s
        self._on_health = on_health
        self._secrets = () if self._url is None else self._url.secrets()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._rates = RateWindow()
        self._rng = random.Random()
        self._generation = 0
        self._health = IDLE_HEALTH
        self._ever_streamed = False
        self._last_packet_ms: int | None = None
        self._wallclock_source = WALLCLOCK_ARRIVAL
        self._generation_delivered = False  # the current connection published a packet
        self._hub_open = False  # StreamInfo published and no StreamEnded yet
        self._reader: Reader | None = None  # the connection being read, for signal_stop
        self._monitor = DegradeMonitor()
        self._warnings = LogLimiter()
        self._frames = 0  # video frames published by the current connection
        self._next_check = 0.0  # monotonic time of the next degradation check

    @property
    def url(self) -> CameraUrl | None:
        """The URL read (None when it could not be parsed: the Source is then FAILED)."""
        return self._url

    @property
    def transport(self) -> Transport:
        return self._transport

    @property
    def uses_rtsp_client(self) -> bool:
        """Whether connections are read by the project's RTSP client (else FFmpeg's demuxer)."""
        return self._connector is not None and self._connector.uses_rtsp_client

    def start(self) -> None:
        """Start the demux thread; a URL that cannot be RTSP fails at once, without a thread."""
        with self._lock:
            if self._thread is not None:
                return
            problem = self._problem
            if problem is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name=f"source-{self._label}", daemon=False
                )
        if problem is not None:
            self._set_state(SourceState.FAILED, error=redact_text(problem, self._secrets))
            return
        self._set_state(SourceState.CONNECTING)
        assert self._thread is not None
        self._thread.start()

    def signal_stop(self) -> None:
        """Ask the thread to stop without waiting (stop() many sources, then join each)."""
        self._stop.set()
        self.hub.wake_publisher()
        with self._lock:
            reader = self._reader
        if reader is not None:
            reader.interrupt()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread and wait up to ``timeout_s`` for it (it ends within io_timeout_s)."""
        self.signal_stop()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("%s: demux thread still in a read after %.1f s", self._label, timeout_s)
        self._end_hub("stopped")
        self._set_state(SourceState.STOPPED)

    def health(self) -> SourceHealth:
        now = self._clock.monotonic()
        with self._lock:
            fps, bitrate = self._rates.rates(now)
            return replace(
                self._health,
                fps=round(fps, 2),
                bitrate_bps=round(bitrate, 1),
                last_packet_ms=self._last_packet_ms,
                wallclock_source=self._wallclock_source,
            )

    # --- the demux thread -------------------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        refused = False
        try:
            while not self._stop.is_set():
                if attempt or self._ever_streamed:
                    self._count(reconnects=1)
                try:
                    delivered, error, refused = self._session()
                except Exception as exc:  # a bug here must not kill the camera for good
                    log.exception("%s: unexpected error in the demux loop", self._label)
                    delivered, error = False, self._describe(exc)
                if self._stop.is_set():
                    break
                if refused:  # e.g. no video track: retrying cannot help (ADR 0013)
                    self._set_state(SourceState.FAILED, error=error)
                    return
                if delivered:
                    attempt = 0
                else:
                    self._count(failed_attempts=1)
                delay = self._backoff.delay(attempt, self._rng)
                attempt += 1
                self._set_state(SourceState.RECONNECTING, error=error, retry_s=delay)
                self._stop.wait(delay)
        finally:
            if not refused:
                self._set_state(SourceState.STOPPED)

    def _count(self, *, reconnects: int = 0, failed_attempts: int = 0) -> None:
        with self._lock:
            old = self._health
            self._health = replace(
                old,
                reconnects=old.reconnects + reconnects,
                failed_attempts=old.failed_attempts + failed_attempts,
            )

    def _session(self) -> tuple[bool, str, bool]:
        """One connection: open, publish, read until it ends.

        Returns (delivered, why it ended, refused: the stream is one we never record)."""
        try:
            reader = self._open_reader()
        except NoVideoTrackError as exc:
            return False, str(exc), True
        except Exception as exc:
            return False, self._describe(exc), False
        with self._lock:
            self._reader = reader
        reason = "stopped"
        try:
            tracks = reader.tracks
            if not tracks:
                reason = "the stream has no video or audio track"
                return False, reason, False
            if not any(track.kind is MediaKind.VIDEO for track in tracks):
                reason = AUDIO_ONLY_REFUSED
                return False, reason, True
            normaliser = PacketNormaliser(tracks, self._generation + 1, label=self._label)
            self._generation = normaliser.info.generation
            with self._lock:
                self._hub_open = True
            self.hub.publish_info(normaliser.info)
            self._on_connected(tracks)
            try:
                reason = self._pump(reader, normaliser)
            except Exception as exc:
                reason = "stopped" if self._stop.is_set() else self._describe(exc)
            self._generation = normaliser.info.generation
            return self._generation_delivered, reason, False
        finally:
            self._end_hub("stopped" if self._stop.is_set() else reason)
            with self._lock:
                self._rates.clear()
                self._reader = None
            reader.close()

    def _pump(self, reader: Reader, normaliser: PacketNormaliser) -> str:
        """Read until the connection ends; returns why it ended."""
        self._generation_delivered = False
        tracks = reader.tracks
        for batch in reader.batches():
            if self._stop.is_set():
                return "stopped"
            if reader.tracks is not tracks:  # new parameter sets from this batch on
                tracks = self._new_parameters(normaliser, tracks, reader.tracks)
            breaks = normaliser.discontinuities
            for raw in batch:
                for item in normaliser.push(raw):
                    self._publish(item, normaliser)
            if normaliser.discontinuities != breaks:
                self._warn_break(normaliser)
            if self._generation_delivered:
                self._check_degraded(reader, normaliser)
        for item in normaliser.flush():
            self._publish(item, normaliser)
        return _ENDED_BY_CAMERA

    def _new_parameters(
        self,
        normaliser: PacketNormaliser,
        old: tuple[CodecParams, ...],
        new: tuple[CodecParams, ...],
    ) -> tuple[CodecParams, ...]:
        """The camera changed its parameter sets: a new generation (new segment, new live init)
        with the new tracks, and the status shows the new picture size."""
        for item in normaliser.new_tracks(new):
            self._publish(item, normaliser)
        self._generation = normaliser.info.generation
        self._on_connected(new)
        allowed, held = self._warnings.allow("parameters", self._clock.monotonic())
        if allowed:
            log_new_parameters(log, self._label, (old, new), normaliser.info.generation, held)
        return new

    def _warn_break(self, normaliser: PacketNormaliser) -> None:
        """A timestamp discontinuity: one line per minute at most (some cameras break per GOP)."""
        allowed, held = self._warnings.allow("timestamps", self._clock.monotonic())
        if allowed:
            what, generation = normaliser.last_discontinuity, normaliser.info.generation
            log_break(log, self._label, what, generation, held)

    def _check_degraded(self, reader: Reader, normaliser: PacketNormaliser) -> None:
        """About once a second: `degraded` (and why) or back to `streaming` (`DegradeMonitor`)."""
        now = self._clock.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + 1.0
        counters = Counters(
            now, self._frames, normaliser.discarded, reader.lost, normaliser.discontinuities
        )
        reason = self._monitor.observe(counters)
        state = self._health.state
        if reason is not None and state in UP_STATES:
            self._set_state(SourceState.DEGRADED, degraded_reason=reason)
        elif reason is None and state is SourceState.DEGRADED:
            self._set_state(SourceState.STREAMING)

    def _end_hub(self, reason: str) -> None:
        """StreamEnded once per connection, from whichever of stop() and the thread is first."""
        with self._lock:
            if not self._hub_open:
                return
            self._hub_open = False
        self.hub.end(reason)

    def _publish(self, item: Packet | StreamInfo, normaliser: PacketNormaliser) -> None:
        if isinstance(item, StreamInfo):
            self.hub.publish_info(item)
            return
        self.hub.publish(item)
        video = normaliser.info.video_track
        is_frame = video is None or item.track == video
        with self._lock:
            self._rates.add(self._clock.monotonic(), len(item.data), is_frame)
        self._frames += is_frame
        # Plain attributes, not a new SourceHealth per packet: health() assembles them.
        self._last_packet_ms = self._clock.now_ms()
        self._wallclock_source = normaliser.wallclock_source
        if not self._generation_delivered:
            self._generation_delivered = True
            self._frames = 0
            self._monitor.reset()
            self._next_check = 0.0  # the first check is the baseline
            self._set_state(SourceState.STREAMING)

    def _on_connected(self, tracks: tuple[CodecParams, ...]) -> None:
        video = next((t for t in tracks if t.kind is MediaKind.VIDEO), None)
        with self._lock:
            self._health = replace(
                self._health,
                video_codec=None if video is None else video.codec,
                width=0 if video is None else video.width,
                height=0 if video is None else video.height,
            )
            self._wallclock_source = WALLCLOCK_ARRIVAL

    def _open_reader(self) -> Reader:
        """The reader of one connection, from the transport's `Connector`."""
        assert self._connector is not None  # start() runs no thread without a URL
        return self._connector.open(self._stop, self._pause, self._attach)

    def _attach(self, reader: Reader) -> None:
        with self._lock:
            self._reader = reader  # stop() interrupts the wait for the first keyframe too

    def _pause(self) -> None:
        """Between reads of the RTSP client: wait while nobody watches live (module docstring)."""
        if not self._stop.is_set():
            self.hub.pause_publisher(BATCH_READ_S)

    def _describe(self, exc: BaseException) -> str:
        return describe_error(exc, io_timeout_s=self._io_timeout_s, secrets=self._secrets)

    def _set_state(
        self,
        state: SourceState,
        *,
        error: str | None = None,
        retry_s: float | None = None,
        degraded_reason: str | None = None,
    ) -> None:
        """Record a state (and error); log and notify only when the state itself changes."""
        with self._lock:
            old = self._health
            changes: dict[str, Any] = {"state": state, "degraded_reason": degraded_reason}
            if error is not None:
                changes["last_error"] = error
            if state in UP_STATES:
                if old.state not in UP_STATES:
                    changes["connected_since_ms"] = self._clock.now_ms()
                self._ever_streamed = True
            elif old.state in UP_STATES:
                changes["connected_since_ms"] = None
            new = replace(old, **changes)
            self._health = new
        if old.state is state:
            if error is not None and error != old.last_error:
                log.debug("%s: %s (%s)", self._label, state, error)
            return
        where = (str(self._url), self._transport)  # CameraUrl's str is redacted
        log_change(log, self._label, old.state, new, retry_s=retry_s, where=where)
        if self._on_health is not None:
            try:
                self._on_health(new)
            except Exception:
                log.exception("%s: on_health callback failed", self._label)
