"""Whether a rule's schedule lets it fire at a given moment, in the site's time zone.

Windows are times of day on days of the week, as a person states them ("weekdays 22:00–06:00"),
so they are read on the local wall clock: a window keeps its local hours across daylight-saving
changes. A window whose end is before its start runs past midnight and belongs to the day it
starts on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from vms.analytics.rules.model import WEEKDAYS, ActiveWindow


def is_active(windows: Sequence[ActiveWindow], wall_ms: int, tz: ZoneInfo) -> bool:
    """True when no window is set (always on) or any window holds the local time of `wall_ms`."""
    if not windows:
        return True
    local = dt.datetime.fromtimestamp(wall_ms / 1000, tz)
    today, yesterday = WEEKDAYS[local.weekday()], WEEKDAYS[(local.weekday() - 1) % 7]
    now = local.time().replace(tzinfo=None)
    for window in windows:
        if window.start == window.end:
            if today in window.days:
                return True
        elif window.start < window.end:
            if today in window.days and window.start <= now < window.end:
                return True
        elif (today in window.days and now >= window.start) or (
            yesterday in window.days and now < window.end
        ):
            return True
    return False
