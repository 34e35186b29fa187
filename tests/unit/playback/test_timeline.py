"""Timeline merging, gap causes, buckets and range checks."""

from __future__ import annotations

import pytest

from vms.core.errors import InvalidInputError
from vms.playback.service import check_range
from vms.playback.timeline import (
    Bucket,
    Gap,
    GapCause,
    GapFacts,
    Span,
    buckets,
    gap_cause,
    gaps_between,
    merge_pairs,
    merge_spans,
    recorded_in_range,
)

NO_FACTS = GapFacts((), (), None)


@pytest.mark.parametrize(
    ("spans", "merged"),
    [
        ([], []),
        ([Span(0, 10)], [Span(0, 10)]),
        ([Span(10, 20), Span(0, 10)], [Span(0, 20)]),
        ([Span(0, 10), Span(500, 900)], [Span(0, 900)]),  # within one frame: one interval
        ([Span(0, 10), Span(5000, 6000)], [Span(0, 10), Span(5000, 6000)]),
        ([Span(0, 100), Span(10, 50)], [Span(0, 100)]),
    ],
)
def test_merge_spans(spans: list[Span], merged: list[Span]) -> None:
    assert merge_spans(spans) == merged
    pairs = sorted((s.start_ms, s.end_ms) for s in spans)
    assert merge_pairs(pairs) == [(m.start_ms, m.end_ms) for m in merged]


def test_gaps_cover_everything_not_recorded() -> None:
    gaps = gaps_between([Span(10, 20), Span(30, 40)], 0, 50, NO_FACTS)
    assert gaps == [
        Gap(0, 10, GapCause.UNKNOWN),
        Gap(20, 30, GapCause.UNKNOWN),
        Gap(40, 50, GapCause.UNKNOWN),
    ]
    assert gaps_between([Span(0, 50)], 0, 50, NO_FACTS) == []


@pytest.mark.parametrize(
    ("facts", "cause"),
    [
        (GapFacts([Span(90, 210)], [Span(0, 1000)], None), GapCause.CAMERA_OFFLINE),
        (GapFacts([], [Span(0, 120), Span(190, 1000)], None), GapCause.VMS_DOWN),
        (GapFacts([Span(100, 110)], [Span(0, 100), Span(190, 300)], None), GapCause.VMS_DOWN),
        (GapFacts([], [Span(0, 1000)], 250), GapCause.RETENTION),
        (GapFacts([], [Span(0, 1000)], 150), GapCause.UNKNOWN),
        (GapFacts([], [], None), GapCause.UNKNOWN),
    ],
)
def test_gap_cause(facts: GapFacts, cause: GapCause) -> None:
    assert gap_cause(100, 200, facts) == cause


def test_buckets_count_starts_and_recorded_time_split_across_buckets() -> None:
    spans = [(0, 30), (50, 130), (250, 260)]
    assert buckets(spans, 0, 200, 100) == [Bucket(0, 2, 80), Bucket(100, 0, 30)]
    assert buckets([(150, 250)], 120, 300, 100) == [
        Bucket(100, 1, 50),
        Bucket(200, 0, 50),
    ]
    assert [(b.segments, b.recorded_ms) for b in buckets([(50, 450)], 0, 500, 100)] == [
        (1, 50),
        (0, 100),
        (0, 100),
        (0, 100),
        (0, 50),
    ]  # a span longer than a bucket fills every bucket it crosses
    assert buckets([], 0, 200, 100) == [Bucket(0, 0, 0), Bucket(100, 0, 0)]
    with pytest.raises(ValueError, match="positive"):
        buckets(spans, 0, 10, 0)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(10, 10, "after start"), (20, 10, "after start"), (0, 61_000, "at most 60 s")],
)
def test_check_range_rejects(start: int, end: int, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_range(start, end, 60_000)


def test_check_range_accepts_the_maximum() -> None:
    check_range(0, 60_000, 60_000)


RUNNING = GapFacts((), [Span(0, 10_000)], None)


def test_the_segment_being_written_is_recorded_in_progress_with_no_gap_after_it() -> None:
    # closed segments to 3000, the open one fsynced from 3000 to 4500, now is 5800
    got = recorded_in_range(
        [(1000, 2000), (2000, 3000)], Span(3000, 4500), 0, 9000, now_ms=5800, facts=RUNNING
    )
    assert got.spans == [Span(1000, 4500)]
    assert got.in_progress == Span(1000, 4500)
    assert got.gaps == [Gap(0, 1000, GapCause.UNKNOWN)]  # nothing after 4500: being written


def test_without_a_segment_being_written_the_time_until_now_is_a_gap() -> None:
    got = recorded_in_range([(1000, 3000)], None, 0, 9000, now_ms=5800, facts=RUNNING)
    assert got.in_progress is None
    assert got.gaps == [Gap(0, 1000, GapCause.UNKNOWN), Gap(3000, 5800, GapCause.UNKNOWN)]


def test_an_open_segment_without_a_whole_fragment_yet_shows_nothing_and_no_gap() -> None:
    # a reconnect: the new file started at 6000 and holds no fragment yet
    got = recorded_in_range([(1000, 3000)], Span(6000, 6000), 0, 9000, now_ms=6500, facts=RUNNING)
    assert got.spans == [Span(1000, 3000)]
    assert got.in_progress is None
    assert got.gaps == [Gap(0, 1000, GapCause.UNKNOWN), Gap(3000, 6000, GapCause.UNKNOWN)]


def test_an_open_segment_apart_from_the_closed_ones_is_its_own_interval() -> None:
    got = recorded_in_range([(1000, 2000)], Span(5000, 7000), 0, 9000, now_ms=8000, facts=RUNNING)
    assert got.spans == [Span(1000, 2000), Span(5000, 7000)]
    assert got.in_progress == Span(5000, 7000)
    assert [g.end_ms for g in got.gaps] == [1000, 5000]


def test_a_range_ending_before_the_live_edge_has_no_interval_in_progress() -> None:
    got = recorded_in_range([], Span(1000, 7000), 0, 4000, now_ms=8000, facts=RUNNING)
    assert got.spans == [Span(1000, 4000)]
    assert got.in_progress is None


def test_vms_down_only_where_no_run_covers_the_gap() -> None:
    # the run row's last heartbeat was at 2000; the current run (to now, 6000) covers the rest
    facts = GapFacts((), [Span(0, 2000), Span(0, 6000)], None)
    got = recorded_in_range([(0, 1000)], None, 0, 6000, now_ms=6000, facts=facts)
    assert got.gaps == [Gap(1000, 6000, GapCause.UNKNOWN)]
    stale = GapFacts((), [Span(0, 2000)], None)  # the process stopped at 2000
    got = recorded_in_range([(0, 1000)], None, 0, 6000, now_ms=6000, facts=stale)
    assert got.gaps == [Gap(1000, 6000, GapCause.VMS_DOWN)]
