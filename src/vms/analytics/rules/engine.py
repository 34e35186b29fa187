"""One camera's rules run over its tracks: tracks in, rule events out, frame after frame.

Pure and clock-free like `MotionEpisodes`: times come with the frames (their wall clock), so the
rules are tested with synthetic paths and a schedule is judged at the frame's time, not the time
the engine ran. Filters (labels, score, box size) are passed once per track and rule and then
stick: a person walking away, whose box shrinks below the size filter, keeps their open event.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable, Sequence

from vms.analytics.rules.evaluators import (
    EngineSettings,
    Evaluator,
    LineEvaluator,
    RuleEvent,
    evaluator_for,
)
from vms.analytics.rules.model import Rule, rule_issues
from vms.analytics.rules.scene import Scene, TrackMemo
from vms.analytics.rules.schedule import is_active
from vms.analytics.tracking import Track
from vms.analytics.zones import Zone


def site_zone(name: str) -> zoneinfo.ZoneInfo:
    """The site's time zone by its IANA name, or a ValueError that says what is wrong."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        message = f"unknown time zone {name!r} (an IANA name such as 'Europe/Paris')"
        raise ValueError(message) from error


class RuleEngine:
    """Runs a camera's enabled rules. Rules naming a zone or line the camera lacks are skipped
    and listed in `issues` (zones are edited apart from rules and may have changed)."""

    def __init__(
        self,
        rules: Sequence[Rule],
        zones: Sequence[Zone],
        tz: str | zoneinfo.ZoneInfo,
        settings: EngineSettings | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        settings = settings or EngineSettings()
        self._tz = site_zone(tz) if isinstance(tz, str) else tz
        self.issues = rule_issues(rules, zones)
        broken = {index for index, _ in self.issues}
        self._evaluators: list[Evaluator] = [
            evaluator_for(rule, new_id, settings)
            for index, rule in enumerate(rules)
            if rule.enabled and index not in broken
        ]
        self._scene = Scene(zones, settings.margin)
        self._last_ms = 0

    def update(
        self, tracks: Sequence[Track], wall_ms: int, frame_size: tuple[int, int]
    ) -> list[RuleEvent]:
        """The events of the frame at `wall_ms` (`frame_size`: width, height of the tracked
        picture). Pass every track the tracker reports, lost ones included: a track missing
        from the list is taken as gone for good."""
        self._last_ms = wall_ms
        change = self._scene.update(tracks, wall_ms, frame_size)
        for memo in self._scene.memos.values():
            if memo.track.visible:
                self._qualify(memo, frame_size)
        events: list[RuleEvent] = []
        for evaluator in self._evaluators:
            active = is_active(evaluator.rule.schedule, wall_ms, self._tz)
            events += evaluator.step(self._scene, change, active)
        return events

    def finish(self) -> list[RuleEvent]:
        """Close every open event (the stream ended): a track's at its last sighting."""
        events: list[RuleEvent] = []
        for evaluator in self._evaluators:
            events += evaluator.finish(self._scene, self._last_ms)
        self._scene.memos.clear()
        return events

    def zone_time_ms(self, track_id: int) -> dict[str, int]:
        """How long a live track has spent in each zone so far (empty once it is gone)."""
        memo = self._scene.memos.get(track_id)
        return {} if memo is None else dict(memo.zone_ms)

    def line_counts(self) -> dict[str, tuple[int, int]]:
        """Each line rule's running counts: (A→B in, B→A out)."""
        return {
            e.rule.name: (e.counts["a_to_b"], e.counts["b_to_a"])
            for e in self._evaluators
            if isinstance(e, LineEvaluator)
        }

    def _qualify(self, memo: TrackMemo, frame_size: tuple[int, int]) -> None:
        track = memo.track
        x1, y1, x2, y2 = track.box
        width, height = (x2 - x1) / frame_size[0], (y2 - y1) / frame_size[1]
        for evaluator in self._evaluators:
            rule = evaluator.rule
            if rule.name in memo.qualified:
                continue
            if (
                (not rule.labels or track.label in rule.labels)
                and track.score >= rule.min_score
                and width >= rule.min_width
                and height >= rule.min_height
            ):
                memo.qualified.add(rule.name)
