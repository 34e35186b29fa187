"""Event statistics as clients see them: totals, series per bucket, rules' crossings and peaks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vms.api.schemas.base import ApiModel
from vms.events.stats import EventStats, Point, RuleTotals, Series, Total


class PointView(ApiModel):
    start_ms: int = Field(description="the bucket's start (an hour, or a local day), unix ms")
    value: int = Field(ge=0)


class TotalView(ApiModel):
    key: str
    count: int = Field(ge=0)


class SeriesView(ApiModel):
    key: str
    points: list[PointView] = Field(description="buckets with events only, oldest first")


class RuleTotalsView(ApiModel):
    """A line rule's crossings, or a count rule's peak, on one camera."""

    camera_id: str
    rule: str
    crossings_in: int = Field(ge=0, description="line rules: A to B")
    crossings_out: int = Field(ge=0, description="line rules: B to A")
    peak: int = Field(ge=0, description="count rules: the most objects at once")
    peaks: list[PointView] = Field(description="count rules: the peak of each bucket")


class EventStatsView(ApiModel):
    """Closed events begun in the range (rounded out to whole hours), matching the filters."""

    start_ms: int
    end_ms: int
    bucket: Literal["hour", "day"]
    timezone: str = Field(description="where days begin (IANA name)")
    total: int = Field(ge=0)
    series: list[PointView] = Field(description="events per bucket")
    by_label: list[TotalView] = Field(description="most first")
    by_camera: list[TotalView] = Field(description="most first: the busiest cameras")
    by_rule: list[TotalView]
    by_zone: list[TotalView]
    series_by_label: list[SeriesView]
    rules: list[RuleTotalsView]

    @classmethod
    def of(cls, stats: EventStats) -> EventStatsView:
        query = stats.query
        return cls(
            start_ms=query.start_ms,
            end_ms=query.end_ms,
            bucket=query.bucket,
            timezone=query.timezone,
            total=stats.total,
            series=_points(stats.series),
            by_label=_totals(stats.by_label),
            by_camera=_totals(stats.by_camera),
            by_rule=_totals(stats.by_rule),
            by_zone=_totals(stats.by_zone),
            series_by_label=[_series(s) for s in stats.series_by_label],
            rules=[_rule(r) for r in stats.rules],
        )


def _points(points: list[Point]) -> list[PointView]:
    return [PointView(start_ms=p.start_ms, value=p.value) for p in points]


def _totals(totals: list[Total]) -> list[TotalView]:
    return [TotalView(key=t.key, count=t.count) for t in totals]


def _series(series: Series) -> SeriesView:
    return SeriesView(key=series.key, points=_points(series.points))


def _rule(rule: RuleTotals) -> RuleTotalsView:
    return RuleTotalsView(
        camera_id=rule.camera_id,
        rule=rule.rule,
        crossings_in=rule.crossings_in,
        crossings_out=rule.crossings_out,
        peak=rule.peak,
        peaks=_points(rule.peaks),
    )
