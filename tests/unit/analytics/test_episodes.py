"""Motion episodes: when events open, grow, take pictures, split and close, frame by frame."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from vms.analytics.episodes import Change, EpisodeSettings, MotionEpisodes
from vms.analytics.motion import MotionReading

SETTINGS = EpisodeSettings(
    trigger_frames=2,
    cooldown_ms=1_000,
    max_event_ms=10_000,
    update_every_ms=500,
    snapshot_every_ms=500,
    snapshot_gain=1.25,
)

# A frame: (wall_ms, share moving, zones touched); share 0 is a still frame.
Frame = tuple[int, float, tuple[str, ...]]


def episodes(settings: EpisodeSettings = SETTINGS) -> MotionEpisodes:
    ids = itertools.count(1)
    return MotionEpisodes(settings, new_id=lambda: f"e{next(ids)}")


def reading(share: float, zones: tuple[str, ...] = ()) -> MotionReading:
    return MotionReading(share, zones if share else (), share > 0)


def play(frames: Sequence[Frame], machine: MotionEpisodes | None = None) -> list[Change]:
    machine = machine or episodes()
    changes: list[Change] = []
    for wall_ms, share, zones in frames:
        changes += machine.observe(reading(share, zones), wall_ms)
    return changes


def moving(*walls: int, share: float = 0.1, zones: tuple[str, ...] = ()) -> list[Frame]:
    return [(w, share, zones) for w in walls]


def still(*walls: int) -> list[Frame]:
    return [(w, 0.0, ()) for w in walls]


def brief(changes: Sequence[Change]) -> list[tuple[str, str, int, int | None]]:
    return [(c.phase, c.event_id, c.start_ms, c.end_ms) for c in changes]


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        pytest.param(moving(0), [], id="one moving frame is not enough"),
        pytest.param(
            moving(0, 100), [("opened", "e1", 0, None)], id="two in a row open, from the first"
        ),
        pytest.param(
            [*moving(0), *still(100), *moving(200), *still(300)],
            [],
            id="a still frame between breaks the streak",
        ),
        pytest.param(
            [*moving(0), *still(100), *moving(200, 300)],
            [("opened", "e1", 200, None)],
            id="a new streak dates the event",
        ),
        pytest.param(
            [*moving(0, 100), *still(200, 900)],
            [("opened", "e1", 0, None)],
            id="still for less than the cooldown stays open",
        ),
        pytest.param(
            [*moving(0, 100), *still(200, 1_100)],
            [("opened", "e1", 0, None), ("closed", "e1", 0, 100)],
            id="the cooldown closes it at the last motion",
        ),
        pytest.param(
            [*moving(0, 100), *still(200, 1_100, 1_200), *moving(1_300, 1_400)],
            [("opened", "e1", 0, None), ("closed", "e1", 0, 100), ("opened", "e2", 1_300, None)],
            id="motion after the close is a new event",
        ),
        pytest.param(
            [*moving(0, 100), *still(600), *moving(1_000), *still(1_900, 2_000)],
            [("opened", "e1", 0, None), ("closed", "e1", 0, 1_000)],
            id="one moving frame keeps an open event going",
        ),
    ],
)
def test_open_and_close(
    frames: list[Frame], expected: list[tuple[str, str, int, int | None]]
) -> None:
    assert brief(play(frames)) == expected


@pytest.mark.parametrize("trigger_frames", [1, 3, 5])
def test_trigger_frames_in_a_row_open_an_event(trigger_frames: int) -> None:
    machine = episodes(EpisodeSettings(trigger_frames=trigger_frames))
    walls = [i * 200 for i in range(trigger_frames)]
    assert play(moving(*walls[:-1]), machine) == []
    (opened,) = play(moving(walls[-1]), machine)
    assert (opened.phase, opened.start_ms) == ("opened", 0)


def test_the_opened_change_carries_score_zones_and_a_picture() -> None:
    (opened,) = play([(0, 0.02, ("door",)), (100, 0.05, ("yard", "door"))])
    assert opened == Change("opened", "e1", 0, None, 0.05, ("door", "yard"), snapshot=True)


def test_the_frames_before_the_trigger_count_towards_the_event() -> None:
    # dated from the first frame of the streak, the event has that frame's zones and share too
    (opened,) = play([(0, 0.3, ("door",)), (100, 0.05, ("yard",))])
    assert (opened.start_ms, opened.score, opened.zones) == (0, 0.3, ("door", "yard"))


def test_long_motion_is_split_into_events_of_the_longest_length() -> None:
    machine = episodes()
    changes = play(moving(*range(0, 25_000, 500)), machine)
    assert brief(changes) == [
        ("opened", "e1", 0, None),
        ("closed", "e1", 0, 10_000),
        ("opened", "e2", 10_000, None),
        ("closed", "e2", 10_000, 20_000),
        ("opened", "e3", 20_000, None),
    ]
    assert machine.open_event == "e3"
    assert changes[2].snapshot  # each part has its own picture


def test_growth_is_reported_at_most_every_update_interval() -> None:
    # the share creeps up (never by the snapshot gain): updates come 500 ms apart at most
    frames = [(i * 100, 0.1 + i * 0.001, ()) for i in range(13)]
    changes = play(frames)
    assert [(c.phase, round(c.score, 6)) for c in changes] == [
        ("opened", 0.101),  # at 100 ms
        ("updated", 0.106),  # at 600 ms
        ("updated", 0.111),  # at 1100 ms
    ]
    assert [c.snapshot for c in changes] == [True, False, False]


def test_nothing_new_is_not_reported() -> None:
    frames = [(i * 100, 0.1 if i < 3 else 0.05, ("door",)) for i in range(30)]
    assert brief(play(frames)) == [("opened", "e1", 0, None)]


def test_a_new_zone_is_reported_and_zones_accumulate() -> None:
    frames: list[Frame] = [
        *moving(0, 100, zones=("door",)),
        *moving(200, 300, 400, 500, zones=("yard",)),
        *moving(600, 700, zones=("door",)),
    ]
    changes = play(frames)
    assert [(c.phase, c.zones) for c in changes] == [
        ("opened", ("door",)),
        ("updated", ("door", "yard")),
    ]
    assert (changes[1].event_id, changes[1].start_ms) == ("e1", 0)


def test_the_score_is_the_peak_share() -> None:
    machine = episodes()
    play([(0, 0.1, ()), (100, 0.1, ()), (200, 0.3, ()), (300, 0.05, ())], machine)
    (closed,) = play(still(1_300), machine)
    assert (closed.phase, closed.score, closed.end_ms) == ("closed", 0.3, 300)


@pytest.mark.parametrize(
    ("later", "snapshot"),
    [
        pytest.param((600, 0.2), True, id="much stronger, long enough after"),
        pytest.param((300, 0.2), False, id="much stronger but too soon"),
        pytest.param((600, 0.12), False, id="stronger by less than the gain"),
        pytest.param((600, 0.125), True, id="stronger by exactly the gain"),
    ],
)
def test_a_new_picture_when_the_motion_grows_clearly(
    later: tuple[int, float], snapshot: bool
) -> None:
    machine = episodes()
    play(moving(0, 100), machine)
    wall_ms, share = later
    changes = machine.observe(reading(share), wall_ms)
    assert [c.snapshot for c in changes if c.snapshot] == ([True] if snapshot else [])


def test_pictures_are_spaced_and_follow_the_strongest_motion() -> None:
    machine = episodes()
    frames = [(0, 0.1, ()), (100, 0.1, ()), (700, 0.2, ()), (800, 0.4, ()), (1_300, 0.4, ())]
    changes = play(frames, machine)
    assert [(c.phase, c.score, c.snapshot) for c in changes] == [
        ("opened", 0.1, True),
        ("updated", 0.2, True),  # 700: twice the share, 600 ms after the first picture
        # 800: 0.4 comes only 100 ms after the last picture and the last report: held back
        ("updated", 0.4, True),  # 1300: twice the pictured 0.2, 600 ms after it
    ]


def test_finish_closes_the_open_event_at_its_last_motion() -> None:
    machine = episodes()
    play([*moving(0, 100, 200), *still(300)], machine)
    assert machine.open_event == "e1"
    assert brief(machine.finish()) == [("closed", "e1", 0, 200)]
    assert machine.open_event is None
    assert machine.finish() == []


def test_finish_forgets_a_streak_in_progress() -> None:
    machine = episodes()
    play(moving(0), machine)
    assert machine.finish() == []
    assert play(moving(100), machine) == []  # a new streak starts here
    assert brief(play(moving(200), machine)) == [("opened", "e1", 100, None)]


def test_events_get_fresh_ids_by_default() -> None:
    machine = MotionEpisodes(EpisodeSettings(trigger_frames=1))
    first = play(moving(0), machine) + machine.finish()
    second = play(moving(100), machine)
    assert first[0].event_id == first[1].event_id
    assert len(first[0].event_id) == 32 and first[0].event_id != second[0].event_id
