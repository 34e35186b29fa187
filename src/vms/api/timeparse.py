"""Query times: ISO-8601 with a UTC offset, or unix milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def parse_time_ms(text: str) -> int:
    """Unix milliseconds from '1764064800000' or '2025-11-25T10:00:00Z' (offsets converted).

    Raises ValueError with a message saying which forms are accepted.
    """
    value = text.strip()
    if value.isascii() and value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time: use ISO-8601 such as 2025-11-25T10:00:00Z"
            " or unix milliseconds such as 1764064800000"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone: add Z for UTC or an offset such as +01:00")
    return (moment - _EPOCH) // _MS  # exact integer arithmetic; sub-millisecond part floored
