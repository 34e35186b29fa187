"""HTTP Range (RFC 9110 §14) for one byte range: pure functions, so every case is table-tested.

Multi-range requests are answered with the whole file (200), which RFC 9110 allows: a server may
ignore Range; browsers and players only ever ask for one range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"([0-9]*)-([0-9]*)")


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes first_byte..last_byte of a file, both inclusive."""

    first_byte: int
    last_byte: int

    @property
    def length_bytes(self) -> int:
        return self.last_byte - self.first_byte + 1

    def content_range(self, size_bytes: int) -> str:
        """The Content-Range header value of a 206 response."""
        return f"bytes {self.first_byte}-{self.last_byte}/{size_bytes}"


@dataclass(frozen=True, slots=True)
class Unsatisfiable:
    """The range lies wholly beyond the end of the file: 416."""

    def content_range(self, size_bytes: int) -> str:
        """The Content-Range header value of a 416 response."""
        return f"bytes */{size_bytes}"


UNSATISFIABLE = Unsatisfiable()


def resolve_range(header: str | None, size_bytes: int) -> ByteRange | Unsatisfiable | None:
    """What to send for a Range header: a byte range, 416, or None for the whole file.

    None covers no header, another unit, a malformed header and several ranges: all are
    answered with 200 and the whole file.
    """
    spec = _single_spec(header)
    if spec is None:
        return None
    first, last = spec
    if first is None:  # suffix: the last `last` bytes
        suffix_bytes = last or 0
        if suffix_bytes == 0 or size_bytes == 0:
            return UNSATISFIABLE
        return ByteRange(max(0, size_bytes - suffix_bytes), size_bytes - 1)
    if first >= size_bytes:
        return UNSATISFIABLE
    end = size_bytes - 1 if last is None else min(last, size_bytes - 1)
    return ByteRange(first, end)


def _single_spec(header: str | None) -> tuple[int | None, int | None] | None:
    """(first, last) of a single well-formed `bytes=` range; either may be open (None)."""
    if header is None:
        return None
    unit, equals, ranges = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    specs = [s.strip() for s in ranges.split(",") if s.strip()]
    match = _SPEC.fullmatch(specs[0]) if len(specs) == 1 else None
    if match is None or not (match[1] or match[2]):
        return None
    first = int(match[1]) if match[1] else None
    last = int(match[2]) if match[2] else None
    if first is not None and last is not None and last < first:
        return None  # invalid: ignored, not refused (RFC 9110 §14.1.1)
    return first, last


def if_range_matches(if_range: str | None, etag: str, last_modified: str) -> bool:
    """Whether a Range may be honoured under If-Range: the client's copy is the current one.

    An entity tag must match strongly (a weak one never does); a date must equal Last-Modified.
    """
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(("W/", '"')):
        return value == etag
    return value == last_modified
