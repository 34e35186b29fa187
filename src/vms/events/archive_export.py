"""Any range of events as Parquet, CSV or JSONL (`vms events export`), from the archive's files
where a day is archived and from the event store elsewhere.

The archive keeps days longer than the store keeps events (their retentions are separate), so a
range is read in spans: each archived day's file for the part of the range it covers (its span
is in its metadata, so a change of the site's zone cannot make two files overlap unnoticed), the
store for the rest, oldest first. An archived day is read from its file even when the store
still has it: the file is the record of that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vms.core.ids import CameraId
from vms.events.archive_files import archived_days
from vms.events.archive_schema import ArchiveRow
from vms.events.archive_sinks import open_sink, read_facts, read_rows, write_all
from vms.events.archive_source import stored_rows
from vms.events.store import EventStore

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Events that began in [start_ms, end_ms), of these cameras (all when empty)."""

    start_ms: int
    end_ms: int
    cameras: tuple[CameraId, ...] = ()


@dataclass(frozen=True, slots=True)
class _Span:
    start_ms: int
    end_ms: int
    path: Path


def export_events(
    store: EventStore, folder: Path, request: ExportRequest, fmt: str, out: BinaryIO
) -> int:
    """Write the request's events to `out` in `fmt` (parquet, csv, jsonl); returns how many."""
    facts = {
        "from_ms": request.start_ms,
        "to_ms": request.end_ms,
        "cameras": list(request.cameras),
    }
    return write_all(open_sink(fmt, out, facts), export_rows(store, folder, request))


def export_rows(
    store: EventStore, folder: Path, request: ExportRequest
) -> Iterator[list[ArchiveRow]]:
    """The request's rows, oldest first, in batches: archived spans from their files, the gaps
    between them from the store."""
    cursor = request.start_ms
    for span in _archived_spans(folder, request):
        if span.end_ms <= cursor:
            continue  # overlapped by the span before (the site's zone changed)
        if span.start_ms > cursor:
            yield from stored_rows(store, cursor, span.start_ms, request.cameras)
            cursor = span.start_ms
        until = min(span.end_ms, request.end_ms)
        rows = [
            row
            for row in read_rows(span.path)
            if cursor <= row["start"] < until
            and (not request.cameras or row["camera_id"] in request.cameras)
        ]
        if rows:
            yield rows
        cursor = until
    if cursor < request.end_ms:
        yield from stored_rows(store, cursor, request.end_ms, request.cameras)


def _archived_spans(folder: Path, request: ExportRequest) -> list[_Span]:
    """The archived days that overlap the request, by the span their metadata states."""
    # A local date is at most a day off the UTC date (offsets are within ±14 h): look a day wider.
    first = _utc_date(request.start_ms) - _DAY
    last = _utc_date(request.end_ms) + _DAY
    spans = []
    for date, path in archived_days(folder).items():
        if first <= date <= last:
            facts = read_facts(path)
            start_ms, end_ms = int(facts["start_ms"]), int(facts["end_ms"])
            if start_ms < request.end_ms and end_ms > request.start_ms:
                spans.append(_Span(start_ms, end_ms, path))
    return sorted(spans, key=lambda span: span.start_ms)


def _utc_date(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()
