"""Rules over real tracks: synthetic walkers go through the tracker, then the rule engine, and
each test knows the frame at which a foot crosses the line or enters the zone.

The picture is 640×360 at 5 fps (200 ms a frame); the hysteresis margin is 1 % of the height
(3.6 px). The door line runs down the middle (x = 320, from y = 72 to y = 324): walking from its
first point to its second is walking down the picture, so A (the walker's left) is the right half.
The bay is the rectangle x 64..256, y 180..342.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest

from vms.analytics.detection import Detection
from vms.analytics.rules import (
    ActiveWindow,
    CountRule,
    EngineSettings,
    LineRule,
    LoiterRule,
    Rule,
    RuleEngine,
    RuleEvent,
    ZoneRule,
)
from vms.analytics.tracking import Tracker
from vms.analytics.zones import Zone

SIZE = (640, 360)
FRAME_MS = 200
ZONES = [
    Zone("door", "line", ((0.5, 0.2), (0.5, 0.9))),
    Zone("bay", "zone", ((0.1, 0.5), (0.4, 0.5), (0.4, 0.95), (0.1, 0.95))),
]
Foot = tuple[float, float] | None  # where a walker stands in a frame; None: not detected


def steps(x0: float, x1: float, y: float, step: float = 10) -> list[Foot]:
    """Walk along y from x0 to x1 (both included) by `step` pixels a frame."""
    count = round(abs(x1 - x0) / step)
    sign = 1 if x1 >= x0 else -1
    return [(x0 + sign * step * i, y) for i in range(count + 1)]


def stay(x: float, y: float, frames: int) -> list[Foot]:
    return [(x, y)] * frames


def detections(*walkers: Sequence[Foot], label: str = "person") -> list[list[Detection]]:
    frames: list[list[Detection]] = []
    for feet in itertools.zip_longest(*walkers):
        frame = [
            Detection(label, 0.9, (f[0] - 30, f[1] - 120, f[0] + 30, f[1]))
            for f in feet
            if f is not None
        ]
        frames.append(frame)
    return frames


class Run:
    """The tracker and an engine fed frame after frame; events remembered with their frame."""

    def __init__(
        self,
        rules: Sequence[Rule],
        tz: str = "UTC",
        start_ms: int = 0,
        settings: EngineSettings | None = None,
    ) -> None:
        ids = itertools.count(1)
        self.engine = RuleEngine(rules, ZONES, tz, settings, new_id=lambda: f"e{next(ids)}")
        self.tracker = Tracker(fps=5)
        self.start_ms = start_ms
        self.frame = 0
        self.events: list[tuple[int, RuleEvent]] = []

    def play(self, frames: Sequence[Sequence[Detection]]) -> Run:
        for dets in frames:
            wall = self.start_ms + self.frame * FRAME_MS
            tracks = self.tracker.update(dets, wall)
            self.events += [(self.frame, e) for e in self.engine.update(tracks, wall, SIZE)]
            self.frame += 1
        return self

    def brief(self) -> list[tuple[int, str, str, tuple[int, ...]]]:
        return [(frame, e.rule, e.phase, e.track_ids) for frame, e in self.events]


def crossings(run: Run) -> list[tuple[int, str | None, int | None, int | None]]:
    return [
        (frame, e.direction, e.count_in, e.count_out)
        for frame, e in run.events
        if e.phase == "opened"
    ]


# Right through the door and back: on the line at frames 6 and 18, clear of it at 7 and 19.
THERE_AND_BACK = detections([*steps(260, 380, 250), *steps(370, 260, 250)])


def test_each_crossing_is_one_event_with_its_direction_and_running_counts() -> None:
    run = Run([LineRule(kind="line", name="door", line="door")]).play(THERE_AND_BACK)
    assert crossings(run) == [(7, "b_to_a", 0, 1), (19, "a_to_b", 1, 1)]
    assert [e.phase for _, e in run.events] == ["opened", "closed"] * 2
    assert {e.track_ids for _, e in run.events} == {(1,)}  # one id through both crossings
    first_open, first_close = run.events[0][1], run.events[1][1]
    assert first_open.start_ms == first_close.end_ms == 7 * FRAME_MS
    assert first_open.event_id == first_close.event_id and first_open.zones == ("door",)
    assert run.engine.line_counts() == {"door": (1, 1)}


def test_a_one_way_rule_fires_one_way_but_counts_both() -> None:
    rule = LineRule(kind="line", name="in", line="door", direction="a_to_b")
    run = Run([rule]).play(THERE_AND_BACK)
    assert crossings(run) == [(19, "a_to_b", 1, 1)]


def test_a_foot_dithering_on_the_line_crosses_once() -> None:
    dither = [(x, 250.0) for x in (318, 322, 319, 321, 317, 323, 320)]
    run = Run([LineRule(kind="line", name="door", line="door")])
    run.play(detections([*steps(280, 310, 250), *dither, *steps(330, 360, 250)]))
    assert crossings(run) == [(11, "b_to_a", 0, 1)]  # the first frame 3.6 px clear, at x = 330


def test_a_real_back_and_forth_counts_every_crossing() -> None:
    feet: list[Foot] = [(x, 250.0) for x in (290, 300, 310, 330, 310, 330, 340)]
    run = Run([LineRule(kind="line", name="door", line="door")]).play(detections(feet))
    assert crossings(run) == [(3, "b_to_a", 0, 1), (4, "a_to_b", 1, 1), (5, "b_to_a", 1, 2)]


def test_passing_beyond_the_end_of_the_line_is_no_crossing() -> None:
    run = Run([LineRule(kind="line", name="door", line="door")])
    run.play(detections(steps(260, 380, 50)))  # above the line's top end (y = 72)
    assert run.events == []
    assert run.engine.line_counts() == {"door": (0, 0)}


def test_a_crossing_hidden_by_an_occlusion_still_counts_once_on_the_same_track() -> None:
    feet = steps(260, 380, 250)
    hidden: list[Foot] = [None if 5 <= i <= 8 else f for i, f in enumerate(feet)]
    run = Run([LineRule(kind="line", name="door", line="door")]).play(detections(hidden))
    assert crossings(run) == [(9, "b_to_a", 0, 1)]
    assert run.events[0][1].track_ids == (1,)


# Into the bay from the left (inside from x = 70, frame 5), then standing at x = 150.
INTO_BAY = [*steps(20, 150, 300), *stay(150, 300, 30)]


def test_loitering_fires_after_the_dwell_and_not_before_and_closes_on_leaving() -> None:
    rule = LoiterRule(kind="loiter", name="loiter", zone="bay", dwell_s=4)
    feet = [*INTO_BAY, *steps(160, 300, 300)]  # leaves at x = 260, frame 54
    run = Run([rule]).play(detections(feet))
    assert run.brief() == [(25, "loiter", "opened", (1,)), (54, "loiter", "closed", (1,))]
    opened, closed = run.events[0][1], run.events[1][1]
    assert (opened.start_ms, closed.end_ms) == (25 * FRAME_MS, 54 * FRAME_MS)


def test_enter_exit_and_present() -> None:
    rules: list[Rule] = [
        ZoneRule(kind="zone", name="enter", zone="bay", trigger="enter"),
        ZoneRule(kind="zone", name="exit", zone="bay", trigger="exit"),
        ZoneRule(kind="zone", name="present", zone="bay", trigger="present"),
    ]
    run = Run(rules).play(detections([*steps(20, 150, 300), *steps(160, 300, 300)]))
    # in at x = 70 (frame 5); out once 3.6 px clear of x = 256, at x = 260 (frame 24)
    assert run.brief() == [
        (5, "enter", "opened", (1,)),
        (5, "enter", "closed", (1,)),
        (5, "present", "opened", (1,)),
        (24, "exit", "opened", (1,)),
        (24, "exit", "closed", (1,)),
        (24, "present", "closed", (1,)),
    ]
    assert run.engine.zone_time_ms(1) == {"bay": (24 - 5) * FRAME_MS}


def test_a_short_occlusion_keeps_presence_and_a_lost_track_closes_at_its_last_sighting() -> None:
    rule = ZoneRule(kind="zone", name="present", zone="bay")
    feet: list[Foot] = [*INTO_BAY[:20], None, None, None, *INTO_BAY[23:30], *[None] * 10]
    run = Run([rule]).play(detections(feet))
    assert run.brief() == [(5, "present", "opened", (1,)), (35, "present", "closed", (1,))]
    assert run.events[1][1].end_ms == 29 * FRAME_MS  # dropped 1 s after, dated when last seen


def test_the_count_rule_opens_above_the_threshold_and_closes_at_it() -> None:
    rule = CountRule(kind="count", name="crowd", zone="bay", above=1)
    first = [*steps(20, 200, 250), *stay(200, 250, 22), *steps(210, 300, 250)]  # leaves at 46
    second = [None] * 10 + [*steps(20, 100, 330), *stay(100, 330, 40)]  # inside from frame 15
    run = Run([rule]).play(detections(first, second))
    assert run.brief() == [(15, "crowd", "opened", (1, 2)), (46, "crowd", "closed", (1, 2))]
    assert run.events[0][1].count == 2


def test_a_growing_count_is_reported_at_most_once_a_second_and_keeps_its_peak() -> None:
    rule = CountRule(kind="count", name="crowd", zone="bay", above=1)
    first = [*steps(20, 200, 250), *stay(200, 250, 22), *steps(210, 300, 250)]  # leaves at 46
    second = [None] * 10 + [*steps(20, 100, 330), *stay(100, 330, 48)]  # inside from frame 15
    third = [None] * 12 + [*steps(20, 160, 200), *stay(160, 200, 40)]  # inside from frame 17
    assert len(second) == len(third)
    run = Run([rule]).play(detections(first, second, third))
    assert run.brief() == [
        (15, "crowd", "opened", (1, 2)),
        (20, "crowd", "updated", (1, 2, 3)),  # one second after the opening, not at frame 17
        (46, "crowd", "updated", (2, 3)),
    ]
    assert [e.count for _, e in run.events] == [2, 3, 3]
    closed = run.engine.finish()
    assert [(e.phase, e.end_ms, e.count) for e in closed] == [
        ("closed", (run.frame - 1) * FRAME_MS, 3)
    ]


def test_filters_by_label_and_size() -> None:
    rules: list[Rule] = [
        ZoneRule(kind="zone", name="cars", zone="bay", labels=("car",)),
        ZoneRule(kind="zone", name="tall", zone="bay", min_height=0.5),  # boxes are 1/3 high
        ZoneRule(kind="zone", name="sure", zone="bay", min_score=0.95),
        ZoneRule(kind="zone", name="people", zone="bay", labels=("person",), min_height=0.3),
    ]
    run = Run(rules).play(detections(INTO_BAY))
    assert run.brief() == [(5, "people", "opened", (1,))]
    run.events = []
    assert [(e.rule, e.phase, e.end_ms) for e in run.engine.finish()] == [
        ("people", "closed", (len(INTO_BAY) - 1) * FRAME_MS)
    ]


def paris(text: str) -> int:
    local = dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Paris"))
    return int(local.timestamp() * 1000)


NIGHTS = (ActiveWindow(days=("fri",), start=dt.time(22), end=dt.time(6)),)


@pytest.mark.parametrize(
    ("start", "tz", "fires"),
    [
        ("2026-12-04 21:00", "Europe/Paris", False),  # Friday, before the window
        ("2026-12-04 22:30", "Europe/Paris", True),
        ("2026-12-05 00:59", "Europe/Paris", True),  # Saturday, past midnight
        ("2026-12-05 22:30", "Europe/Paris", False),  # Saturday night is not listed
        ("2026-12-04 22:30", "UTC", False),  # 21:30 in UTC: the site's zone matters
    ],
)
def test_a_schedule_outside_its_hours_fires_nothing(start: str, tz: str, fires: bool) -> None:
    rule = LineRule(kind="line", name="door", line="door", schedule=NIGHTS)
    run = Run([rule], tz=tz, start_ms=paris(start)).play(THERE_AND_BACK)
    assert bool(run.events) is fires
    assert run.engine.line_counts() == {"door": (1, 1) if fires else (0, 0)}


def test_the_end_of_the_schedule_closes_an_open_event() -> None:
    evening = (ActiveWindow(start=dt.time(18), end=dt.time(22)),)
    rule = ZoneRule(kind="zone", name="present", zone="bay", schedule=evening)
    start = paris("2026-12-04 21:59:55")  # 22:00 is frame 25
    run = Run([rule], tz="Europe/Paris", start_ms=start).play(detections(INTO_BAY))
    assert run.brief() == [(5, "present", "opened", (1,)), (25, "present", "closed", (1,))]
    assert run.events[1][1].end_ms == paris("2026-12-04 22:00")


def test_a_long_presence_is_split_into_events_of_the_longest_length() -> None:
    rule = ZoneRule(kind="zone", name="present", zone="bay")
    run = Run([rule], settings=EngineSettings(max_event_ms=2_000))
    run.play(detections(INTO_BAY))  # inside from frame 5 to the end (frame 43)
    opened = [frame for frame, e in run.events if e.phase == "opened"]
    closed = [(frame, e.end_ms) for frame, e in run.events if e.phase == "closed"]
    assert opened == [5, 15, 25, 35]
    assert closed == [(15, 15 * FRAME_MS), (25, 25 * FRAME_MS), (35, 35 * FRAME_MS)]


def test_a_disabled_rule_does_nothing() -> None:
    rule = LineRule(kind="line", name="door", line="door", enabled=False)
    assert Run([rule]).play(THERE_AND_BACK).events == []
