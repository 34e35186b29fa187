"""Range and If-Range decisions (pure functions), and query time parsing, as tables."""

from __future__ import annotations

import pytest

from vms.api.ranges import UNSATISFIABLE, ByteRange, Unsatisfiable, if_range_matches, resolve_range
from vms.api.timeparse import parse_time_ms

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "size_bytes", "expected"),
    [
        (None, SIZE, None),
        ("bytes=0-499", SIZE, ByteRange(0, 499)),
        ("bytes=500-999", SIZE, ByteRange(500, 999)),
        ("bytes=500-", SIZE, ByteRange(500, 999)),
        ("bytes=0-0", SIZE, ByteRange(0, 0)),
        ("bytes=900-5000", SIZE, ByteRange(900, 999)),  # end past the file is clamped
        ("bytes=-100", SIZE, ByteRange(900, 999)),  # suffix
        ("bytes=-5000", SIZE, ByteRange(0, 999)),  # suffix longer than the file
        ("Bytes = 10-19 ", SIZE, ByteRange(10, 19)),  # case and spaces tolerated
        ("bytes=10-19,", SIZE, ByteRange(10, 19)),  # empty list elements are allowed
        ("bytes=1000-", SIZE, UNSATISFIABLE),  # starts at the end
        ("bytes=5000-6000", SIZE, UNSATISFIABLE),
        ("bytes=-0", SIZE, UNSATISFIABLE),
        ("bytes=0-", 0, UNSATISFIABLE),  # empty file
        ("bytes=-10", 0, UNSATISFIABLE),
        ("bytes=0-99,200-299", SIZE, None),  # several ranges: the whole file
        ("bytes=500-100", SIZE, None),  # last < first: invalid, ignored
        ("bytes=-", SIZE, None),
        ("bytes=abc", SIZE, None),
        ("bytes=", SIZE, None),
        ("items=0-10", SIZE, None),  # another unit
        ("0-10", SIZE, None),
        ("bytes=1-2-3", SIZE, None),
        ("bytes=+1-2", SIZE, None),
        ("bytes=\u0661-2", SIZE, None),  # only ASCII digits
    ],
)
def test_resolve_range(
    header: str | None, size_bytes: int, expected: ByteRange | Unsatisfiable | None
) -> None:
    assert resolve_range(header, size_bytes) == expected


def test_content_range_values() -> None:
    assert ByteRange(10, 19).content_range(SIZE) == "bytes 10-19/1000"
    assert ByteRange(10, 19).length_bytes == 10
    assert UNSATISFIABLE.content_range(SIZE) == "bytes */1000"


ETAG = '"3e8-1234"'
DATE = "Sat, 25 Nov 2023 10:00:00 GMT"


@pytest.mark.parametrize(
    ("if_range", "expected"),
    [
        (None, True),
        (ETAG, True),
        ('"other"', False),
        (f"W/{ETAG}", False),  # weak tags never match for ranges
        (DATE, True),
        ("Sat, 25 Nov 2023 10:00:01 GMT", False),
    ],
)
def test_if_range(if_range: str | None, expected: bool) -> None:
    assert if_range_matches(if_range, ETAG, DATE) is expected


@pytest.mark.parametrize(
    ("text", "expected_ms"),
    [
        ("1700000000000", 1_700_000_000_000),
        ("0", 0),
        ("2023-11-14T22:13:20Z", 1_700_000_000_000),
        ("2023-11-14T22:13:20.123Z", 1_700_000_000_123),
        ("2023-11-14T22:13:20.123999+00:00", 1_700_000_000_123),
        ("2023-11-14T23:13:20+01:00", 1_700_000_000_000),
        (" 2023-11-14T22:13:20Z ", 1_700_000_000_000),
    ],
)
def test_parse_time(text: str, expected_ms: int) -> None:
    assert parse_time_ms(text) == expected_ms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-11-14T22:13:20", "no time zone"),
        ("yesterday", "ISO-8601"),
        ("-5", "ISO-8601"),
        ("", "ISO-8601"),
        ("\u00b2", "ISO-8601"),  # a digit to str.isdigit, not to int()
    ],
)
def test_parse_time_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_time_ms(text)
