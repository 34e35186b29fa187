"""Recording modes: what a camera records (always, or only around events) and which recordings
around events are locked against retention.

`continuous` records everything (the default). `events` writes nothing until an event: the file
begins at the first buffered keyframe at or before the event's start minus the pre-roll
(`GopBuffer`) and ends when the post-roll after the last overlapping event is over.
`continuous_events` records everything and locks the time around each event for longer.
Events are the bus's `EventReported`, of any label; the recorder's thread asks `EventTrigger`
per packet, the bus's publishers tell it, so it is the one thread-safe part.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import SQLAlchemyError

from vms.config.cameras import CameraConfig
from vms.core.bus import EventReported
from vms.core.ids import CameraId
from vms.media.packet import Packet
from vms.recording.gop_buffer import GopBuffer
from vms.storage.locks import EvidenceLocks, LockReason

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
# An event still open this long after its start counts as over (analytics closes every event,
# and splits long ones; this only bounds a recording when a report of its end was lost).
MAX_OPEN_MS = DAY_MS
# Closed event spans waiting for their lock; more means the database is down for long.
MAX_PENDING_LOCKS = 10_000
# How late an event may be reported (analytics decodes, detects and confirms it first) and still
# get its whole pre-roll: the pre-roll buffer holds this much more than the pre-roll.
REPORT_DELAY_MS = 5_000


class Mode(StrEnum):
    CONTINUOUS = "continuous"
    EVENTS = "events"
    CONTINUOUS_EVENTS = "continuous_events"


@dataclass(frozen=True, slots=True)
class RecordingMode:
    """A camera's recording mode and the time kept around its events."""

    mode: Mode = Mode.CONTINUOUS
    pre_roll_s: float = 5.0
    post_roll_s: float = 10.0
    event_retention_days: int = 30

    @classmethod
    def of(cls, camera: CameraConfig) -> RecordingMode:
        return cls(
            Mode(camera.recording_mode),
            float(camera.pre_roll_s),
            float(camera.post_roll_s),
            camera.event_retention_days,
        )

    @property
    def follows_events(self) -> bool:
        """Whether events matter to the recording (locks, and in events mode the writing)."""
        return self.mode is not Mode.CONTINUOUS

    @property
    def pre_roll_ms(self) -> int:
        return round(self.pre_roll_s * 1000)

    @property
    def post_roll_ms(self) -> int:
        return round(self.post_roll_s * 1000)

    @property
    def buffer_ms(self) -> int:
        """How far back the pre-roll buffer reaches: the pre-roll of an event reported late."""
        return self.pre_roll_ms + REPORT_DELAY_MS


@dataclass(frozen=True, slots=True)
class LockSpan:
    """The recording around one event: [start − pre-roll, end + post-roll), where the end of an
    event just opened is its start (its pre-roll locked at once, the rest when it closes)."""

    start_ms: int
    end_ms: int


@dataclass(slots=True)
class _Span:
    start_ms: int
    end_ms: int | None  # None while the event is open


class EventTrigger:
    """The events of one camera, as recording spans (event ± pre/post-roll). Thread-safe."""

    def __init__(self, camera_id: CameraId, mode: RecordingMode) -> None:
        self.camera_id = camera_id
        self._pre_ms = mode.pre_roll_ms
        self._post_ms = mode.post_roll_ms
        self._keeps_spans = mode.mode is Mode.EVENTS  # only events mode asks `wanted_from`
        self._lock = threading.Lock()
        self._spans: dict[str, _Span] = {}
        self._to_lock: list[LockSpan] = []

    def on_event(self, event: EventReported) -> None:
        """Bus handler: an event of this camera opened, changed or closed (others are ignored)."""
        if event.camera_id != self.camera_id:
            return
        closed = event.phase == "closed" and event.end_ms is not None
        end_ms = event.end_ms if closed else None
        with self._lock:
            if self._keeps_spans:
                self._spans[event.event_id] = _Span(event.start_ms, end_ms)
            # Opened: its pre-roll is locked at once (its file may close and meet retention
            # long before the event ends); closed: the whole span.
            lock_end = max(end_ms if end_ms is not None else 0, event.start_ms) + self._post_ms
            if event.phase != "updated" and len(self._to_lock) < MAX_PENDING_LOCKS:
                self._to_lock.append(LockSpan(event.start_ms - self._pre_ms, lock_end))

    def wanted_from(self, wall_ms: int) -> int | None:
        """While some event wants the moment `wall_ms` recorded: the earliest time those events
        want recorded (their start minus the pre-roll); None when no event wants it.

        Spans whose post-roll is over by `wall_ms` are forgotten: time only moves forward here.
        """
        with self._lock:
            over = [key for key, span in self._spans.items() if self._end(span) < wall_ms]
            for key in over:
                del self._spans[key]
            starts = [
                span.start_ms - self._pre_ms
                for span in self._spans.values()
                if span.start_ms - self._pre_ms <= wall_ms
            ]
        return min(starts) if starts else None

    def take_lock_spans(self) -> list[LockSpan]:
        """The spans of events opened or closed since the last call, to lock (forgotten here)."""
        with self._lock:
            spans, self._to_lock = self._to_lock, []
        return spans

    def give_back(self, spans: Sequence[LockSpan]) -> None:
        """Spans whose lock could not be stored: tried again at the next call."""
        with self._lock:
            room = MAX_PENDING_LOCKS - len(self._to_lock)
            self._to_lock[:0] = list(spans)[:room]

    def _end(self, span: _Span) -> int:
        if span.end_ms is None:
            return span.start_ms + MAX_OPEN_MS + self._post_ms
        return max(span.end_ms, span.start_ms) + self._post_ms


class EventGate:
    """Events mode: which packets a recorder writes, and the pre-roll buffer for the rest.

    `active` is True while a recording stretch is open (some event wants the packets written).
    """

    def __init__(self, trigger: EventTrigger, buffer: GopBuffer) -> None:
        self.trigger = trigger
        self.buffer = buffer
        self.active = False

    def route(self, packet: Packet, keyframe: bool) -> list[Packet]:
        """The packets to write now, in order: none while no event wants this moment (the
        packet is buffered), the buffered pre-roll and this packet when a stretch begins."""
        from_ms = self.trigger.wanted_from(packet.wall_ms)
        if from_ms is None:
            self.active = False
            self.buffer.push(packet, keyframe)
            return []
        if self.active:
            return [packet]
        self.active = True
        self.buffer.push(packet, keyframe)  # it may be the keyframe the stretch starts at
        return self.buffer.take_from(from_ms)


def store_locks(
    locks: EvidenceLocks, trigger: EventTrigger, mode: RecordingMode, *, who: str
) -> int:
    """Lock the recordings around the events reported since the last call, each for the mode's
    event retention after the span's end; spans the database refused wait for the next call."""
    spans = trigger.take_lock_spans()
    for done, span in enumerate(spans):
        expires_ms = span.end_ms + mode.event_retention_days * DAY_MS
        try:
            locks.add(
                trigger.camera_id,
                span.start_ms,
                span.end_ms,
                LockReason.EVENT,
                expires_ms=expires_ms,
            )
        except SQLAlchemyError as exc:
            log.warning("recorder %s: cannot lock an event's recordings yet: %s", who, exc)
            trigger.give_back(spans[done:])
            return done
    return len(spans)


class EventRecording:
    """What a recorder in an events mode adds: its camera's events (a bus subscription), the
    gate and pre-roll of events mode, and the locks of the events' recordings.

    `route` and `clear` run on the recorder's thread, `stats` on any; `lock_events` after each
    batch of the recorder's thread and at its stop.
    """

    def __init__(
        self,
        camera_id: CameraId,
        mode: RecordingMode,
        *,
        locks: EvidenceLocks | None,
        pre_roll_max_bytes: int,
        who: str,
    ) -> None:
        self.mode = mode
        self.trigger = EventTrigger(camera_id, mode)
        self.gate: EventGate | None = None
        if mode.mode is Mode.EVENTS:
            self.gate = EventGate(self.trigger, GopBuffer(mode.buffer_ms, pre_roll_max_bytes))
        self._locks = locks
        self._who = who
        self._lock = threading.Lock()  # the buffer's counts, read by `stats`
        self.locks_stored = 0

    def route(self, packet: Packet, keyframe: bool) -> list[Packet]:
        """`EventGate.route` (events mode only)."""
        assert self.gate is not None
        with self._lock:
            return self.gate.route(packet, keyframe)

    def clear(self) -> None:
        """The pre-roll cannot span a lost connection, lost packets or a new stream format."""
        if self.gate is not None:
            with self._lock:
                self.gate.buffer.clear()

    def stats(self) -> tuple[int, int]:
        """Packets left out by the mode so far, and packets held for the pre-roll now."""
        if self.gate is None:
            return 0, 0
        with self._lock:
            return self.gate.buffer.evicted, self.gate.buffer.packets

    def lock_events(self) -> None:
        if self._locks is not None and self.mode.follows_events:
            self.locks_stored += store_locks(self._locks, self.trigger, self.mode, who=self._who)
