"""What the archive reads of the event store: a range's events as rows, page by page, the events
still open in a range, and the oldest event.

Rows come from `EventStore.search` (oldest first, keyset pages), so the archive holds exactly
what the API answers for the same range; a day is never held in memory as records (a record
carries its path), only as the rows of one page at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from sqlalchemy import func, select

from vms.core.ids import CameraId
from vms.db.event_tables import EventTable
from vms.events.archive_schema import ArchiveRow, archive_row
from vms.events.models import MAX_PAGE, EventQuery
from vms.events.store import EventStore


def stored_rows(
    store: EventStore, start_ms: int, end_ms: int, cameras: Sequence[CameraId] = ()
) -> Iterator[list[ArchiveRow]]:
    """The rows of the events that began in [start_ms, end_ms), oldest first, a page at a time."""
    query = EventQuery(
        cameras=tuple(cameras),
        start_ms=start_ms,
        end_ms=end_ms,
        limit=MAX_PAGE,
        oldest_first=True,
    )
    while True:
        page = store.search(query)
        if page.events:
            yield [archive_row(event) for event in page.events]
        if page.next_cursor is None:
            return
        query = dataclasses.replace(query, cursor=page.next_cursor)


def open_events(store: EventStore, start_ms: int, end_ms: int) -> int:
    """How many events that began in [start_ms, end_ms) have not ended yet."""
    statement = select(func.count()).where(
        EventTable.start_ms >= start_ms, EventTable.start_ms < end_ms, EventTable.end_ms.is_(None)
    )
    with store.engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())


def oldest_start_ms(store: EventStore) -> int | None:
    """When the oldest stored event began; None when there are none."""
    with store.engine.connect() as conn:
        found = conn.execute(select(func.min(EventTable.start_ms))).scalar()
    return None if found is None else int(found)
