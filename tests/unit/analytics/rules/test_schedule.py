"""Schedules are read on the site's wall clock: days, hours, spans past midnight, time zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from vms.analytics.rules import ActiveWindow
from vms.analytics.rules.schedule import is_active

PARIS = ZoneInfo("Europe/Paris")
NIGHTS = ActiveWindow(days=("fri",), start=dt.time(22), end=dt.time(6))  # Fri 22:00 → Sat 06:00


def at(text: str, tz: ZoneInfo = PARIS) -> int:
    """Wall ms of a local time, e.g. '2026-12-04 23:30' (a Friday)."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=tz).timestamp() * 1000)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-12-04 21:59", False),  # Friday, before the start
        ("2026-12-04 22:00", True),
        ("2026-12-04 23:59", True),
        ("2026-12-05 00:00", True),  # Saturday, the Friday night goes on past midnight
        ("2026-12-05 05:59", True),
        ("2026-12-05 06:00", False),  # the end is not included
        ("2026-12-05 23:00", False),  # Saturday night: not listed
        ("2026-12-04 03:00", False),  # Friday early: that is Thursday's night
    ],
)
def test_a_window_across_midnight_belongs_to_the_day_it_starts(local: str, expected: bool) -> None:
    assert is_active([NIGHTS], at(local), PARIS) is expected


def test_the_sites_time_zone_decides_not_utc() -> None:
    wall = at("2026-12-04 22:30")  # 21:30 UTC
    assert is_active([NIGHTS], wall, PARIS)
    assert not is_active([NIGHTS], wall, ZoneInfo("UTC"))
    tokyo = ZoneInfo("Asia/Tokyo")
    assert is_active([NIGHTS], at("2026-12-04 23:00", tokyo), tokyo)


def test_local_hours_hold_across_a_daylight_saving_change() -> None:
    office = ActiveWindow(days=("sun", "mon"), start=dt.time(9), end=dt.time(17))
    assert is_active([office], at("2026-03-29 09:00"), PARIS)  # summer time began that night
    assert not is_active([office], at("2026-03-29 08:59"), PARIS)
    assert is_active([office], at("2026-03-30 16:59"), PARIS)


def test_no_window_is_always_and_equal_ends_are_the_whole_day() -> None:
    assert is_active([], at("2026-12-05 03:00"), PARIS)
    weekend = ActiveWindow(days=("sat", "sun"))
    assert is_active([weekend], at("2026-12-05 00:00"), PARIS)
    assert is_active([weekend], at("2026-12-06 23:59"), PARIS)
    assert not is_active([weekend], at("2026-12-07 00:00"), PARIS)


def test_any_window_may_open_the_rule() -> None:
    morning = ActiveWindow(start=dt.time(6), end=dt.time(9))
    evening = ActiveWindow(start=dt.time(18), end=dt.time(21))
    assert is_active([morning, evening], at("2026-12-08 19:00"), PARIS)
    assert not is_active([morning, evening], at("2026-12-08 12:00"), PARIS)
