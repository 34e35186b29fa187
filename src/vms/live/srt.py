"""SRT outputs: configured camera streams sent as MPEG-TS over SRT by stream copy.

Each `live.srt_outputs` entry runs one thread. A listener waits for callers (each served on its
own thread, so a slow one only loses its own packets) and goes on listening when they leave; a
caller connects to its peer and reconnects with backoff. A connection reads its own hub
subscription (`Subscription.get` with a timeout, so stop is noticed within a quarter second),
starts on the hub's cached keyframe with timestamps starting at zero, and subscribes only while
connected: an output nobody receives costs nothing per packet. PyAV's FFmpeg has no SRT, so the
transport is libsrt through `vms.media.srt`.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from fractions import Fraction

from vms.config.live import SrtOutput
from vms.core.clock import Clock
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.ingest.hub import StreamHub, Subscription
from vms.live.metrics import LiveMetrics, LiveProtocol
from vms.live.srt_mux import GENERATION_GAP_S, TsMuxer
from vms.live.streams import LiveStreams
from vms.media.packet import Packet, PacketsDropped, StreamEnded, StreamInfo
from vms.media.sink import deliver
from vms.media.srt import SrtError, SrtOptions, SrtSocket

log = logging.getLogger(__name__)

WAIT_S = 0.25  # longest blocking wait of any SRT thread: how soon stop() is noticed
MAX_CALLERS = 8  # per listener
QUEUE_ITEMS = 512
BATCH_ITEMS = 64


@dataclass(frozen=True, slots=True)
class SrtOutputStats:
    """What one output is doing, for status and tests."""

    name: str
    connections: int
    sessions_total: int
    last_error: str | None


class _Output:
    """One configured output: its listener or caller thread and its connections."""

    def __init__(
        self, config: SrtOutput, streams: LiveStreams, metrics: LiveMetrics, clock: Clock
    ) -> None:
        self.config = config
        self.camera = CameraId(config.camera)
        self.stream = StreamName(config.stream)
        self.name = f"{config.mode} {config.host}:{config.port} ({self.camera}/{self.stream})"
        self._streams = streams
        self.metrics = metrics
        self.clock = clock
        self._options = SrtOptions(latency_ms=config.latency_ms, passphrase=config.passphrase)
        self._backoff = Backoff(initial_s=0.5, cap_s=10.0)
        self._rng = random.Random()
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[threading.Thread] = set()
        self._sessions_total = 0
        self._last_error: str | None = None
        target = self._listen if config.mode == "listener" else self._call
        self.thread = threading.Thread(target=target, name=f"srt-{config.port}", daemon=True)

    def stats(self) -> SrtOutputStats:
        with self._lock:
            return SrtOutputStats(
                self.name, len(self._connections), self._sessions_total, self._last_error
            )

    def join(self, timeout_s: float) -> None:
        self.thread.join(timeout_s)
        with self._lock:
            threads = list(self._connections)
        for thread in threads:
            thread.join(timeout_s)

    def _failed(self, error: str) -> None:
        with self._lock:
            self._last_error = error

    # --- listener: accept callers, one thread each ---------------------------------------

    def _listen(self) -> None:
        attempt = 0
        while not self.stop_event.is_set():
            try:
                listener = SrtSocket.listen(self.config.host, self.config.port, self._options)
            except (SrtError, OSError) as error:
                delay = self._backoff.delay(attempt, self._rng)
                attempt += 1
                log.error(
                    "srt output %s: cannot listen: %s; retrying in %.1f s", self.name, error, delay
                )
                self._failed(str(error))
                self.stop_event.wait(delay)
                continue
            attempt = 0
            log.info("srt output %s: listening", self.name)
            try:
                self._accept_loop(listener)
            except SrtError as error:  # the listening socket broke: listen again
                log.warning("srt output %s: listener failed: %s", self.name, error)
                self._failed(str(error))
            finally:
                listener.close()

    def _accept_loop(self, listener: SrtSocket) -> None:
        while not self.stop_event.is_set():
            sock = listener.accept(WAIT_S * 4, self.stop_event)
            if sock is None:
                continue
            with self._lock:
                full = len(self._connections) >= MAX_CALLERS
            if full:
                log.warning(
                    "srt output %s: refusing a caller (%d connected)", self.name, MAX_CALLERS
                )
                sock.close()
                continue
            thread = threading.Thread(
                target=self._serve_thread,
                args=(sock,),
                name=f"srt-{self.config.port}-conn",
                daemon=True,
            )
            with self._lock:
                self._connections.add(thread)
            thread.start()

    def _serve_thread(self, sock: SrtSocket) -> None:
        try:
            self._serve(sock)
        finally:
            with self._lock:
                self._connections.discard(threading.current_thread())

    # --- caller: connect, serve, reconnect with backoff ----------------------------------

    def _call(self) -> None:
        attempt = 0
        while not self.stop_event.is_set():
            try:
                sock = SrtSocket.connect(
                    self.config.host, self.config.port, self._options, self.stop_event
                )
            except (SrtError, OSError) as error:
                delivered = False
                self._failed(str(error))
                log.debug("srt output %s: %s", self.name, error)
            else:
                delivered = self._serve(sock)
            if delivered:
                attempt = 0
            delay = self._backoff.delay(attempt, self._rng)
            attempt += 1
            self.stop_event.wait(delay)

    # --- one connection ------------------------------------------------------------------

    def _serve(self, sock: SrtSocket) -> bool:
        """Send the stream until the peer leaves or we stop; True when media was sent."""
        try:
            hub = self._streams.hub(self.camera, self.stream)
        except NotFoundError as error:
            log.warning("srt output %s: %s; closing the connection", self.name, error)
            self._failed(str(error))
            sock.close()
            return False
        with self._lock:
            self._sessions_total += 1
        self.metrics.session_opened(self.camera, self.stream, LiveProtocol.SRT)
        log.info("srt output %s: peer connected", self.name)
        connection = _Connection(self, sock, hub)
        try:
            reason = connection.run()
            log.info("srt output %s: closing the connection (%s)", self.name, reason)
        except (SrtError, OSError) as error:
            log.info("srt output %s: peer left (%s)", self.name, error)
        except Exception as error:  # a bug ends this connection only, visibly
            log.exception("srt output %s: connection failed", self.name)
            self.metrics.session_failed(self.camera, self.stream, LiveProtocol.SRT)
            self._failed(f"{type(error).__name__}: {error}")
        finally:
            connection.close()
            self.metrics.session_closed(self.camera, self.stream, LiveProtocol.SRT)
        return connection.sent_bytes > 0

    def hub_is_current(self, hub: StreamHub) -> bool:
        try:
            return self._streams.hub(self.camera, self.stream) is hub
        except NotFoundError:
            return False


class _Connection:
    """One SRT peer, a Sink of its own subscription: MPEG-TS, generation after generation."""

    def __init__(self, output: _Output, sock: SrtSocket, hub: StreamHub) -> None:
        self._output = output
        self._sock = sock
        self._hub = hub
        self._started = output.clock.monotonic()
        self._subscription: Subscription = hub.subscribe(
            f"srt {output.name}", max_items=QUEUE_ITEMS
        )
        self._muxer: TsMuxer | None = None
        self._next_start_s = Fraction(0)
        self.sent_bytes = 0
        self._first_frame = False
        self._removed = False

    def run(self) -> str:
        """Send until the peer leaves (SrtError), we stop or the camera goes; returns why."""
        stop = self._output.stop_event
        while not stop.is_set():
            item = self._subscription.get(WAIT_S)
            if item is None:
                if not self._sock.connected:
                    raise SrtError("the connection was closed")
                if not self._output.hub_is_current(self._hub):
                    return "camera removed"
                continue
            batch = [item]
            while len(batch) < BATCH_ITEMS and (more := self._subscription.get_nowait()):
                batch.append(more)
            before = self.sent_bytes
            for entry in batch:
                deliver(entry, self)
            if self.sent_bytes > before:
                out = self._output
                out.metrics.bytes_sent(
                    out.camera, out.stream, LiveProtocol.SRT, self.sent_bytes - before
                )
            if self._removed:
                return "camera removed"
        return "stopping"

    # -- the Sink (vms.media.sink): hub items, on this connection's thread -----------------
    def on_packet(self, packet: Packet) -> None:
        if self._muxer is not None and self._muxer.write(packet) and not self._first_frame:
            self._first_frame = True
            out = self._output
            seconds = out.clock.monotonic() - self._started
            out.metrics.first_frame(out.camera, out.stream, LiveProtocol.SRT, seconds)

    def on_info(self, info: StreamInfo) -> None:
        self._close_muxer()
        try:
            self._muxer = TsMuxer(info, self._send, start_s=self._next_start_s)
        except ValueError as error:
            log.warning("srt output %s: %s", self._output.name, error)

    def on_dropped(self, dropped: PacketsDropped) -> None:
        """Nothing to do: the muxer goes on at the keyframe that follows (the TS carries on)."""

    def on_ended(self, ended: StreamEnded) -> None:
        self._close_muxer()
        self._removed = not self._output.hub_is_current(self._hub)

    def _send(self, data: bytes) -> None:
        self._sock.send(data)
        self.sent_bytes += len(data)

    def _close_muxer(self) -> None:
        muxer, self._muxer = self._muxer, None
        if muxer is not None:
            muxer.close()
            if muxer.end_s > self._next_start_s:
                self._next_start_s = muxer.end_s + GENERATION_GAP_S

    def close(self) -> None:
        self._subscription.close()
        muxer, self._muxer = self._muxer, None
        if muxer is not None:
            muxer.close()
        self._sock.close()


class SrtOutputs:
    """Every configured SRT output; `start`/`stop` from the live service (threads only)."""

    def __init__(
        self,
        configs: list[SrtOutput],
        streams: LiveStreams,
        metrics: LiveMetrics,
        clock: Clock,
    ) -> None:
        self._outputs = [_Output(config, streams, metrics, clock) for config in configs]
        self._streams = streams

    def start(self) -> None:
        known = set(self._streams.camera_ids())
        for output in self._outputs:
            if output.camera not in known:
                log.warning(
                    "srt output %s: camera %s is not configured (yet)", output.name, output.camera
                )
            output.thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop every thread; each notices within WAIT_S (a caller's connect within 0.01 s)."""
        for output in self._outputs:
            output.stop_event.set()
        for output in self._outputs:
            if output.thread.ident is not None:  # started
                output.join(timeout_s)

    def stats(self) -> list[SrtOutputStats]:
        return [output.stats() for output in self._outputs]
