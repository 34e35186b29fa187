"""The site's days: where a local date begins and ends in unix milliseconds, across DST changes.

A day is cut in the site's time zone (`analytics.timezone`), so "Tuesday's events" are what
people there call Tuesday: 23 hours on the day clocks go forward, 25 on the day they go back.
A day begins at its first instant whose local date is that day: where midnight does not exist
(a zone that moves its clocks at 00:00) that is the moment the clocks jump.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Day:
    """A local date and the instants it covers, [start_ms, end_ms)."""

    date: dt.date
    start_ms: int
    end_ms: int


class SiteDays:
    """Days in one IANA zone."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)

    def date_of(self, ms: int) -> dt.date:
        """The local date at `ms`."""
        return dt.datetime.fromtimestamp(ms / 1000, self._zone).date()

    def day(self, date: dt.date) -> Day:
        return Day(date, self._start_ms(date), self._start_ms(date + dt.timedelta(days=1)))

    def day_of(self, ms: int) -> Day:
        """The day `ms` falls in."""
        return self.day(self.date_of(ms))

    def _start_ms(self, date: dt.date) -> int:
        # fold=0 reads a missing midnight with the offset before the jump: the jump's instant.
        midnight = dt.datetime.combine(date, dt.time(), tzinfo=self._zone)
        return int(midnight.timestamp()) * 1000


def dates_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from `first` to `last`, both included (none when `last` is before)."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
