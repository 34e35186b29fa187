"""Timeline of one camera stream: recorded intervals merged across segments, gaps with causes.

Pure functions over plain values (segment spans and the facts kept in `playback.facts`), so every
rule is table-tested; the queries that feed them live in `playback.service`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

MERGE_GAP_MS = 1000  # consecutive segments of a continuous stream meet within one frame


class GapCause(StrEnum):
    CAMERA_OFFLINE = "camera_offline"
    VMS_DOWN = "vms_down"
    RETENTION = "retention"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Span:
    start_ms: int
    end_ms: int

    def overlap_ms(self, start_ms: int, end_ms: int) -> int:
        return max(0, min(self.end_ms, end_ms) - max(self.start_ms, start_ms))


@dataclass(frozen=True, slots=True)
class Gap:
    start_ms: int
    end_ms: int
    cause: GapCause


@dataclass(frozen=True, slots=True)
class Bucket:
    start_ms: int
    segments: int
    recorded_ms: int


@dataclass(frozen=True, slots=True)
class GapFacts:
    """What the system knows about why nothing was recorded."""

    outages: Sequence[Span]  # camera stream not delivering
    runs: Sequence[Span]  # VMS running
    retention_until_ms: int | None  # retention deleted recordings ending up to here


def merge_spans(spans: Iterable[Span], merge_gap_ms: int = MERGE_GAP_MS) -> list[Span]:
    """Union of spans sorted by start; spans closer than `merge_gap_ms` are joined."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start_ms):
        if merged and span.start_ms - merged[-1].end_ms <= merge_gap_ms:
            last = merged[-1]
            merged[-1] = Span(last.start_ms, max(last.end_ms, span.end_ms))
        else:
            merged.append(span)
    return merged


def clip(spans: Iterable[Span], start_ms: int, end_ms: int) -> list[Span]:
    return [
        Span(max(s.start_ms, start_ms), min(s.end_ms, end_ms))
        for s in spans
        if s.end_ms > start_ms and s.start_ms < end_ms
    ]


def gap_cause(start_ms: int, end_ms: int, facts: GapFacts) -> GapCause:
    """The cause covering most of the gap: camera offline, VMS down, else retention or unknown."""
    offline_ms = sum(s.overlap_ms(start_ms, end_ms) for s in merge_spans(facts.outages, 0))
    running_ms = sum(s.overlap_ms(start_ms, end_ms) for s in merge_spans(facts.runs, 0))
    down_ms = (end_ms - start_ms) - running_ms
    if offline_ms > 0 and offline_ms >= down_ms:
        return GapCause.CAMERA_OFFLINE
    if down_ms > 0 and facts.runs:
        return GapCause.VMS_DOWN
    if facts.retention_until_ms is not None and end_ms <= facts.retention_until_ms:
        return GapCause.RETENTION
    return GapCause.UNKNOWN


def gaps_between(
    recorded: Sequence[Span], start_ms: int, end_ms: int, facts: GapFacts
) -> list[Gap]:
    """Every stretch of [start_ms, end_ms) not covered by `recorded` (merged, clipped)."""
    gaps: list[Gap] = []
    cursor = start_ms
    for span in [*recorded, Span(end_ms, end_ms)]:
        if span.start_ms > cursor:
            gaps.append(Gap(cursor, span.start_ms, gap_cause(cursor, span.start_ms, facts)))
        cursor = max(cursor, span.end_ms)
    return gaps


def buckets(spans: Iterable[Span], start_ms: int, end_ms: int, size_ms: int) -> list[Bucket]:
    """Per bucket of `size_ms` (aligned to the epoch): segments starting in it, ms recorded."""
    if size_ms <= 0:
        raise ValueError("bucket size must be positive")
    first = start_ms - start_ms % size_ms
    count = (end_ms - first + size_ms - 1) // size_ms
    starts = [0] * count
    recorded = [0] * count
    for span in spans:
        if start_ms <= span.start_ms < end_ms:
            starts[(span.start_ms - first) // size_ms] += 1
        lo, hi = max(span.start_ms, start_ms), min(span.end_ms, end_ms)
        while lo < hi:
            i = (lo - first) // size_ms
            bucket_end = first + (i + 1) * size_ms
            recorded[i] += min(hi, bucket_end) - lo
            lo = bucket_end
    return [Bucket(first + i * size_ms, starts[i], recorded[i]) for i in range(count)]
