"""Each kind of rule turned into events, from the scene's state and changes after each frame.

Two shapes of event:
- momentary (zone enter/exit, line crossing): opened and closed in the same frame, so each
  entry or crossing is exactly one event, whose clip is the seconds around that moment;
- sustained (zone present, loitering, count): open while the condition holds, reporting growth at
  most once per `update_every_ms`, closed at the frame the condition ends — the track left, the
  count fell, the schedule ended — or at the track's last sighting when the tracker dropped it;
  one open for `max_event_ms` is split, like motion's, so no event stays open for ever.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from vms.analytics.rules.model import (
    CountRule,
    Direction,
    LineRule,
    LoiterRule,
    Rule,
    ZoneRule,
)
from vms.analytics.rules.scene import Scene, SceneChange, TrackMemo
from vms.core.bus import EventPhase

RuleKind = Literal["zone", "count", "line", "loiter"]


@dataclass(frozen=True, slots=True)
class RuleEvent:
    """An event's whole state each time it opens, grows or closes (like motion's `Change`)."""

    event_id: str
    rule: str
    kind: RuleKind
    phase: EventPhase
    start_ms: int
    end_ms: int | None
    label: str
    track_ids: tuple[int, ...]
    zones: tuple[str, ...]  # the zone or line of the rule
    score: float
    count: int | None = None  # count rules: the most tracks in the zone at once
    direction: Direction | None = None  # crossings
    count_in: int | None = None  # crossings: A→B so far (while the rule was active)
    count_out: int | None = None  # ... and B→A


@dataclass(frozen=True, slots=True)
class EngineSettings:
    margin: float = 0.01  # hysteresis of zones and lines, share of the picture height
    update_every_ms: int = 1_000  # sustained events report growth at most this often
    max_event_ms: int = 300_000  # a longer sustained event is split (as motion's are)


@dataclass(slots=True)
class _Open:
    event: RuleEvent  # as last reported, with what has grown since
    reported_ms: int
    dirty: bool = False


@dataclass(frozen=True, slots=True)
class _Want:
    """What a sustained event should say now."""

    label: str
    track_ids: tuple[int, ...]
    score: float
    count: int | None = None


class Evaluator(ABC):
    """Base: turns each frame into events for one rule."""

    def __init__(self, rule: Rule, new_id: Callable[[], str], timing: EngineSettings) -> None:
        self.rule = rule
        self._new_id = new_id
        self._timing = timing
        self._open: dict[int, _Open] = {}  # by track id; count rules use 0

    @property
    def _zone(self) -> str:
        return self.rule.line if isinstance(self.rule, LineRule) else self.rule.zone

    def _members(self, scene: Scene) -> list[TrackMemo]:
        """Tracks in the rule's zone that passed its filters."""
        name = self.rule.name
        return [m for m in scene.memos.values() if self._zone in m.inside and name in m.qualified]

    @abstractmethod
    def step(self, scene: Scene, change: SceneChange, active: bool) -> list[RuleEvent]:
        """The events of one frame; `active`: the rule's schedule allows it now."""

    def finish(self, scene: Scene, wall_ms: int) -> list[RuleEvent]:
        """Close what is open (the stream ended): per-track events at the track's last sighting."""
        ends = {tid: memo.track.last_ms for tid, memo in scene.memos.items()}
        return self._reconcile({}, wall_ms, ends)

    def _moment(
        self,
        wall_ms: int,
        memo: TrackMemo,
        direction: Direction | None = None,
        counts: tuple[int, int] | None = None,
    ) -> list[RuleEvent]:
        event = RuleEvent(
            self._new_id(),
            self.rule.name,
            self.rule.kind,
            "opened",
            wall_ms,
            None,
            memo.track.label,
            (memo.track.track_id,),
            (self._zone,),
            memo.track.score,
            direction=direction,
            count_in=None if counts is None else counts[0],
            count_out=None if counts is None else counts[1],
        )
        return [event, replace(event, phase="closed", end_ms=wall_ms)]

    def _reconcile(
        self, wanted: dict[int, _Want], wall_ms: int, ends: dict[int, int]
    ) -> list[RuleEvent]:
        """Open, update and close sustained events so that exactly the `wanted` keys are open;
        one open for `max_event_ms` is closed and a new one opened (no event stays open for
        ever: a car parked all day is a series of events)."""
        events: list[RuleEvent] = []
        for key in [k for k in self._open if k not in wanted]:
            ended = self._open.pop(key).event
            events.append(replace(ended, phase="closed", end_ms=ends.get(key, wall_ms)))
        for key, want in wanted.items():
            state = self._open.get(key)
            if state is not None and wall_ms - state.event.start_ms >= self._timing.max_event_ms:
                events.append(replace(state.event, phase="closed", end_ms=wall_ms))
                state = None
            if state is None:
                event = RuleEvent(
                    self._new_id(),
                    self.rule.name,
                    self.rule.kind,
                    "opened",
                    wall_ms,
                    None,
                    want.label,
                    want.track_ids,
                    (self._zone,),
                    want.score,
                    count=want.count,
                )
                self._open[key] = _Open(event, wall_ms)
                events.append(event)
            elif self._grow(state, want, wall_ms):
                events.append(state.event)
        return events

    def _grow(self, state: _Open, want: _Want, wall_ms: int) -> bool:
        """Fold the new state in; True when it is time to report it."""
        last = state.event
        grown = replace(
            last,
            label=want.label,
            track_ids=want.track_ids,
            score=max(last.score, want.score),
            count=None if want.count is None else max(last.count or 0, want.count),
        )
        state.dirty |= grown != last
        state.event = grown
        if not (state.dirty and wall_ms - state.reported_ms >= self._timing.update_every_ms):
            return False
        state.event = replace(grown, phase="updated")
        state.reported_ms, state.dirty = wall_ms, False
        return True


class ZoneEvaluator(Evaluator):
    def step(self, scene: Scene, change: SceneChange, active: bool) -> list[RuleEvent]:
        assert isinstance(self.rule, ZoneRule)
        trigger = self.rule.trigger
        if trigger == "present":
            wanted = {m.track.track_id: _want(m) for m in self._members(scene)} if active else {}
            return self._reconcile(wanted, change.wall_ms, _ends(change.gone))
        moves = change.entered if trigger == "enter" else change.exited
        events: list[RuleEvent] = []
        for track_id, zone in moves if active else ():
            memo = scene.memos[track_id]
            if zone == self._zone and self.rule.name in memo.qualified:
                events += self._moment(change.wall_ms, memo)
        return events


class LoiterEvaluator(Evaluator):
    def step(self, scene: Scene, change: SceneChange, active: bool) -> list[RuleEvent]:
        assert isinstance(self.rule, LoiterRule)
        dwell_ms = self.rule.dwell_s * 1000
        wanted = {
            m.track.track_id: _want(m)
            for m in self._members(scene)
            if change.wall_ms - m.entered_ms[self._zone] >= dwell_ms
        }
        return self._reconcile(wanted if active else {}, change.wall_ms, _ends(change.gone))


class CountEvaluator(Evaluator):
    def step(self, scene: Scene, change: SceneChange, active: bool) -> list[RuleEvent]:
        assert isinstance(self.rule, CountRule)
        members = self._members(scene)
        wanted: dict[int, _Want] = {}
        if active and len(members) > self.rule.above:
            labels = Counter(m.track.label for m in members)
            wanted[0] = _Want(
                labels.most_common(1)[0][0],
                tuple(sorted(m.track.track_id for m in members)),
                max(m.track.score for m in members),
                len(members),
            )
        return self._reconcile(wanted, change.wall_ms, {})


class LineEvaluator(Evaluator):
    def __init__(self, rule: Rule, new_id: Callable[[], str], timing: EngineSettings) -> None:
        super().__init__(rule, new_id, timing)
        self.counts: dict[Direction, int] = {"a_to_b": 0, "b_to_a": 0}

    def step(self, scene: Scene, change: SceneChange, active: bool) -> list[RuleEvent]:
        assert isinstance(self.rule, LineRule)
        events: list[RuleEvent] = []
        for crossing in change.crossings if active else ():
            memo = scene.memos[crossing.track_id]
            if crossing.line != self._zone or self.rule.name not in memo.qualified:
                continue
            self.counts[crossing.direction] += 1
            if self.rule.direction in ("both", crossing.direction):
                counts = self.counts["a_to_b"], self.counts["b_to_a"]
                events += self._moment(change.wall_ms, memo, crossing.direction, counts)
        return events


def evaluator_for(rule: Rule, new_id: Callable[[], str], timing: EngineSettings) -> Evaluator:
    kinds: dict[str, type[Evaluator]] = {
        "zone": ZoneEvaluator,
        "count": CountEvaluator,
        "line": LineEvaluator,
        "loiter": LoiterEvaluator,
    }
    return kinds[rule.kind](rule, new_id, timing)


def _want(memo: TrackMemo) -> _Want:
    return _Want(memo.track.label, (memo.track.track_id,), memo.track.score)


def _ends(gone: Iterable[TrackMemo]) -> dict[int, int]:
    """Events of tracks the tracker dropped end when the track was last seen."""
    return {memo.track.track_id: memo.track.last_ms for memo in gone}
