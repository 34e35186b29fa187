"""Motion episodes: readings of compared frames grouped into events that open, grow and close.

Pure and clock-free (times come with the readings), so the rules are tested with tables:
- an event opens after `trigger_frames` moving frames in a row, dated from the first of them;
- it closes `cooldown_ms` after the last moving frame, dated at that frame;
- motion longer than `max_event_ms` is cut into several events, so none stays open for ever;
- while open, it reports its growing score and zones at most once per `update_every_ms`, and
  asks for a new picture when the motion is clearly stronger than in the last one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from vms.analytics.motion import MotionReading
from vms.core.bus import EventPhase


@dataclass(frozen=True, slots=True)
class EpisodeSettings:
    trigger_frames: int = 2
    cooldown_ms: int = 5_000
    max_event_ms: int = 300_000
    update_every_ms: int = 1_000
    snapshot_every_ms: int = 1_000
    snapshot_gain: float = 1.25  # a new picture once the share of moving area grows this much


@dataclass(frozen=True, slots=True)
class Change:
    """An event's new state; `snapshot`: take the current frame as its picture."""

    phase: EventPhase
    event_id: str
    start_ms: int
    end_ms: int | None
    score: float
    zones: tuple[str, ...]
    snapshot: bool = False


@dataclass(slots=True)
class _Open:
    event_id: str
    start_ms: int
    last_motion_ms: int
    score: float
    zones: set[str] = field(default_factory=set)
    reported_ms: int = 0
    dirty: bool = False
    snapshot_score: float = 0.0
    snapshot_ms: int = 0

    def change(self, phase: EventPhase, *, end_ms: int | None, snapshot: bool) -> Change:
        return Change(
            phase,
            self.event_id,
            self.start_ms,
            end_ms,
            self.score,
            tuple(sorted(self.zones)),
            snapshot,
        )


class MotionEpisodes:
    """One camera's motion events; feed it every compared frame in time order."""

    def __init__(
        self, settings: EpisodeSettings, new_id: Callable[[], str] = lambda: uuid.uuid4().hex
    ) -> None:
        self._settings = settings
        self._new_id = new_id
        self._streak = 0
        self._streak_start_ms = 0
        self._streak_share = 0.0  # the peak and the zones of the streak so far
        self._streak_zones: set[str] = set()
        self._open: _Open | None = None

    @property
    def open_event(self) -> str | None:
        return None if self._open is None else self._open.event_id

    def observe(self, reading: MotionReading, wall_ms: int) -> list[Change]:
        """What the frame at `wall_ms` changes: nothing, or opened/updated/closed events."""
        if not reading.moving:
            self._streak = 0
            event = self._open
            if event is not None and wall_ms - event.last_motion_ms >= self._settings.cooldown_ms:
                return self.finish()
            return []
        self._streak += 1
        if self._streak == 1:
            self._streak_start_ms, self._streak_share, self._streak_zones = wall_ms, 0.0, set()
        self._streak_share = max(self._streak_share, reading.share)
        self._streak_zones |= set(reading.zones)
        event = self._open
        if event is None:
            if self._streak < self._settings.trigger_frames:
                return []
            start = self._streak_start_ms, self._streak_share, self._streak_zones
            return [self._begin(*start, reading, wall_ms)]
        if wall_ms - event.start_ms >= self._settings.max_event_ms:
            event.last_motion_ms = wall_ms
            closed = self.finish()
            return [
                *closed,
                self._begin(wall_ms, reading.share, set(reading.zones), reading, wall_ms),
            ]
        return self._grow(event, reading, wall_ms)

    def finish(self) -> list[Change]:
        """Close the open event at its last motion (its stream ended, or the cooldown passed)."""
        event, self._open = self._open, None
        self._streak = 0
        if event is None:
            return []
        return [event.change("closed", end_ms=event.last_motion_ms, snapshot=False)]

    def _begin(
        self, start_ms: int, score: float, zones: set[str], reading: MotionReading, wall_ms: int
    ) -> Change:
        """Open an event with the streak's peak and zones; `reading` is the frame pictured."""
        event = _Open(self._new_id(), start_ms, wall_ms, score, set(zones))
        event.reported_ms = event.snapshot_ms = wall_ms
        event.snapshot_score = reading.share
        self._open = event
        return event.change("opened", end_ms=None, snapshot=True)

    def _grow(self, event: _Open, reading: MotionReading, wall_ms: int) -> list[Change]:
        settings = self._settings
        event.last_motion_ms = wall_ms
        if reading.share > event.score or not set(reading.zones) <= event.zones:
            event.score = max(event.score, reading.share)
            event.zones |= set(reading.zones)
            event.dirty = True
        snapshot = (
            reading.share >= event.snapshot_score * settings.snapshot_gain
            and wall_ms - event.snapshot_ms >= settings.snapshot_every_ms
        )
        if snapshot:
            event.snapshot_score, event.snapshot_ms = reading.share, wall_ms
        elif not (event.dirty and wall_ms - event.reported_ms >= settings.update_every_ms):
            return []
        event.dirty = False
        event.reported_ms = wall_ms
        return [event.change("updated", end_ms=None, snapshot=snapshot)]
