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
