"""The event store on SQLite: recording reports, pictures, search filters, paging and tidying."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from tests.unit.events.conftest import GATE, T0, YARD
from vms.core.bus import EventPhase, EventReported
from vms.core.clock import FakeClock
from vms.core.errors import InvalidInputError
from vms.core.ids import CameraId
from vms.db.event_tables import EventSnapshotTable, EventZoneTable
from vms.events.models import EventQuery, EventRecord
from vms.events.store import EventStore

JPEG_A, JPEG_B = b"\xff\xd8first\xff\xd9", b"\xff\xd8second\xff\xd9"


def report(
    event_id: str,
    *,
    phase: EventPhase = "closed",
    camera: CameraId = GATE,
    label: str = "motion",
    start_ms: int = T0,
    end_ms: int | None = None,
    score: float = 0.5,
    zones: tuple[str, ...] = (),
    jpeg: bytes | None = None,
) -> EventReported:
    if phase == "closed" and end_ms is None:
        end_ms = start_ms + 1_000
    return EventReported(
        event_id=event_id,
        camera_id=camera,
        label=label,
        phase=phase,
        start_ms=start_ms,
        end_ms=end_ms,
        score=score,
        zones=zones,
        snapshot_jpeg=jpeg,
        snapshot_ms=None if jpeg is None else start_ms + 100,
    )


def count(engine: Engine, table: type[EventZoneTable] | type[EventSnapshotTable]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_event_is_stored_as_its_reports_arrive(store: EventStore) -> None:
    store.record(report("e1", phase="opened", score=0.1, zones=("door",), jpeg=JPEG_A))
    assert store.get("e1") == EventRecord(
        id="e1",
        camera_id=GATE,
        label="motion",
        zones=("door",),
        score=0.1,
        start_ms=T0,
        end_ms=None,
        has_snapshot=True,
    )
    store.record(report("e1", phase="updated", score=0.3, zones=("yard", "door")))
    store.record(report("e1", phase="closed", score=0.3, zones=("yard", "door"), end_ms=T0 + 9))
    stored = store.get("e1")
    assert stored is not None
    assert (stored.score, stored.zones, stored.end_ms) == (0.3, ("door", "yard"), T0 + 9)
    assert store.snapshot("e1") == JPEG_A  # reports without a picture keep the one stored


def test_record_returns_the_event_as_stored(store: EventStore) -> None:
    opened = store.record(report("e1", phase="opened", zones=("yard", "door"), jpeg=JPEG_A))
    assert opened == store.get("e1") and opened.has_snapshot
    closed = store.record(report("e1", phase="closed", score=0.7, zones=("yard", "door")))
    assert closed == store.get("e1") and closed.has_snapshot  # the picture stored before
    bare = store.record(report("e2", phase="opened"))
    assert bare == store.get("e2") and not bare.has_snapshot


def test_a_new_picture_replaces_the_old(store: EventStore, engine: Engine) -> None:
    store.record(report("e1", phase="opened", jpeg=JPEG_A))
    store.record(report("e1", phase="updated", jpeg=JPEG_B))
    assert store.snapshot("e1") == JPEG_B
    assert count(engine, EventSnapshotTable) == 1


def test_zones_are_replaced_not_added(store: EventStore, engine: Engine) -> None:
    store.record(report("e1", phase="opened", zones=("door", "yard")))
    store.record(report("e1", phase="updated", zones=("drive",)))
    stored = store.get("e1")
    assert stored is not None and stored.zones == ("drive",)
    assert count(engine, EventZoneTable) == 1


def test_unknown_events_and_missing_pictures(store: EventStore) -> None:
    store.record(report("e1"))
    assert store.get("nope") is None
    assert store.snapshot("nope") is None
    assert store.snapshot("e1") is None
    stored = store.get("e1")
    assert stored is not None and not stored.has_snapshot


@pytest.fixture
def stocked(store: EventStore) -> EventStore:
    """Six events over two cameras, labels and zones; e5 and e6 began at the same moment."""
    reports = [
        report("e1", start_ms=T0 + 1_000, score=0.1, zones=("door",)),
        report("e2", start_ms=T0 + 2_000, score=0.2, camera=YARD, zones=("drive", "door")),
        report("e3", start_ms=T0 + 3_000, score=0.3, label="person"),
        report("e4", start_ms=T0 + 4_000, score=0.4, camera=YARD, zones=("drive",)),
        report("e5", start_ms=T0 + 5_000, score=0.5, label="car", phase="opened"),
        report("e6", start_ms=T0 + 5_000, score=0.6, zones=("porch",)),
    ]
    for item in reports:
        store.record(item)
    return store


def ids(store: EventStore, query: EventQuery) -> list[str]:
    return [e.id for e in store.search(query).events]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (EventQuery(), ["e6", "e5", "e4", "e3", "e2", "e1"]),  # newest first, ties by id
        (EventQuery(cameras=(YARD,)), ["e4", "e2"]),
        (EventQuery(cameras=(YARD, GATE)), ["e6", "e5", "e4", "e3", "e2", "e1"]),
        (EventQuery(cameras=(CameraId("attic"),)), []),
        (EventQuery(labels=("person", "car")), ["e5", "e3"]),
        (EventQuery(zones=("door",)), ["e2", "e1"]),
        (EventQuery(zones=("porch", "drive")), ["e6", "e4", "e2"]),
        (EventQuery(start_ms=T0 + 3_000), ["e6", "e5", "e4", "e3"]),  # from, inclusive
        (EventQuery(end_ms=T0 + 3_000), ["e2", "e1"]),  # until, exclusive
        (EventQuery(start_ms=T0 + 2_000, end_ms=T0 + 5_000), ["e4", "e3", "e2"]),
        (EventQuery(min_score=0.4), ["e6", "e5", "e4"]),  # inclusive
        (EventQuery(cameras=(GATE,), labels=("motion",), min_score=0.05), ["e6", "e1"]),
        (EventQuery(cameras=(YARD,), zones=("door",)), ["e2"]),
        (EventQuery(limit=2), ["e6", "e5"]),
    ],
)
def test_search_filters(stocked: EventStore, query: EventQuery, expected: list[str]) -> None:
    assert ids(stocked, query) == expected


def test_search_returns_whole_records(stocked: EventStore) -> None:
    (event,) = stocked.search(EventQuery(cameras=(YARD,), min_score=0.15, limit=1)).events
    assert event == EventRecord(
        id="e4",
        camera_id=YARD,
        label="motion",
        zones=("drive",),
        score=0.4,
        start_ms=T0 + 4_000,
        end_ms=T0 + 5_000,
        has_snapshot=False,
    )


@pytest.mark.parametrize("oldest_first", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 4, 5, 6])
def test_paging_walks_every_event_once(stocked: EventStore, limit: int, oldest_first: bool) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page = stocked.search(EventQuery(limit=limit, cursor=cursor, oldest_first=oldest_first))
        assert len(page.events) <= limit
        seen += [e.id for e in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    newest_first = ["e6", "e5", "e4", "e3", "e2", "e1"]
    assert seen == (newest_first[::-1] if oldest_first else newest_first)


def test_a_full_last_page_has_no_cursor(stocked: EventStore) -> None:
    assert stocked.search(EventQuery(limit=6)).next_cursor is None
    assert stocked.search(EventQuery(limit=5)).next_cursor is not None


def test_paging_keeps_filters_and_ignores_newer_events(stocked: EventStore) -> None:
    first = stocked.search(EventQuery(cameras=(GATE,), limit=2))
    assert [e.id for e in first.events] == ["e6", "e5"]
    stocked.record(report("e9", start_ms=T0 + 9_000))  # arrives between two pages
    rest = stocked.search(EventQuery(cameras=(GATE,), limit=5, cursor=first.next_cursor))
    assert [e.id for e in rest.events] == ["e3", "e1"]
    assert rest.next_cursor is None


@pytest.mark.parametrize("cursor", ["", "abc", "123", ".e1", "-5.e1", "12x.e1", "1e3.e1"])
def test_a_cursor_the_server_never_gave_is_refused(store: EventStore, cursor: str) -> None:
    with pytest.raises(InvalidInputError, match="cursor"):
        store.search(EventQuery(cursor=cursor))


def test_a_well_formed_cursor_before_every_event_gives_an_empty_page(stocked: EventStore) -> None:
    page = stocked.search(EventQuery(cursor=f"{T0 + 1_000}.e1"))
    assert (page.events, page.next_cursor) == ([], None)


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_a_page_size_out_of_range_is_refused(store: EventStore, limit: int) -> None:
    with pytest.raises(InvalidInputError, match="limit"):
        store.search(EventQuery(limit=limit))


def test_labels_are_listed_once_and_sorted(stocked: EventStore) -> None:
    assert stocked.labels() == ["car", "motion", "person"]


def test_no_labels_without_events(store: EventStore) -> None:
    assert store.labels() == []


def test_close_dangling_ends_open_events_at_their_last_update(
    store: EventStore, clock: FakeClock
) -> None:
    store.record(report("quiet", phase="opened", start_ms=T0 + 60_000))  # updated before start
    store.record(report("busy", phase="opened", start_ms=T0 - 5_000))
    clock.advance(3)
    store.record(report("busy", phase="updated", start_ms=T0 - 5_000))
    store.record(report("done", start_ms=T0 - 9_000, end_ms=T0 - 8_000))
    assert store.close_dangling() == 2
    ends = {e.id: e.end_ms for e in store.search(EventQuery()).events}
    assert ends == {"quiet": T0 + 60_000, "busy": T0 + 3_000, "done": T0 - 8_000}
    assert store.close_dangling() == 0


def test_purge_deletes_events_ended_before_the_cutoff_with_their_parts(
    store: EventStore, engine: Engine
) -> None:
    store.record(report("old", start_ms=T0, end_ms=T0 + 1_000, zones=("door",), jpeg=JPEG_A))
    store.record(report("edge", start_ms=T0, end_ms=T0 + 2_000, zones=("door",), jpeg=JPEG_A))
    store.record(report("open", phase="opened", start_ms=T0 - 10_000, zones=("door",)))
    assert store.purge(T0 + 2_000) == 1
    assert sorted(e.id for e in store.search(EventQuery()).events) == ["edge", "open"]
    assert store.snapshot("old") is None and store.snapshot("edge") == JPEG_A
    assert count(engine, EventZoneTable) == 2
    assert count(engine, EventSnapshotTable) == 1
    assert store.purge(T0 + 2_000) == 0
