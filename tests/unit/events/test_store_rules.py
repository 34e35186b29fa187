"""Events from rules in the store (SQLite and PostgreSQL): their facts round-trip, search by
rule, the thumbnail."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.unit.events.conftest import GATE, T0, YARD
from tests.unit.events.test_store import JPEG_A, JPEG_B, report
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.core.bus import EventReported, RuleFacts
from vms.core.clock import FakeClock
from vms.events.models import EventQuery, matches
from vms.events.store import MAX_PATH_POINTS, EventStore

db_engine = postgres.db_engine
THUMB = b"\xff\xd8crop\xff\xd9"
PATH = ((T0, 0.25, 0.9), (T0 + 200, 0.3, 0.8), (T0 + 400, 0.35, 0.6))
CROSSING = RuleFacts(
    rule="Gate in",
    kind="line",
    track_id=7,
    direction="a_to_b",
    count_in=3,
    count_out=1,
    path=PATH,
)


@pytest.fixture
def store(db_engine: Engine) -> EventStore:
    cameras = CamerasRepo(db_engine, FakeClock())
    for camera in (GATE, YARD):
        cameras.add(CameraRow(id=camera, name=camera, main_url=f"rtsp://10.0.0.5/{camera}"))
    return EventStore(db_engine, FakeClock(start_ms=T0))


def ruled(event_id: str, facts: RuleFacts, **kwargs: object) -> EventReported:
    """A report from a rule; a new picture comes with its crop."""
    base = report(event_id, label="person", zones=(facts.rule,), **kwargs)  # type: ignore[arg-type]
    thumbnail = THUMB if base.snapshot_jpeg else None
    return dataclasses.replace(base, rule=facts, thumbnail_jpeg=thumbnail)


def test_a_crossing_keeps_its_rule_track_direction_counts_path_and_thumbnail(
    store: EventStore,
) -> None:
    recorded = store.record(ruled("c1", CROSSING, jpeg=JPEG_A))
    got = store.get("c1")
    assert got == recorded
    assert got is not None
    facts = (got.rule, got.rule_kind, got.track_id, got.direction)
    assert facts == ("Gate in", "line", 7, "a_to_b")
    assert (got.counts, got.peak_count, got.path) == ((3, 1), None, PATH)
    assert (got.has_snapshot, got.has_thumbnail) == (True, True)
    assert store.thumbnail("c1") == THUMB
    assert store.snapshot("c1") == JPEG_A


def test_motion_events_have_no_rule_facts(store: EventStore) -> None:
    store.record(report("m1", jpeg=JPEG_A))
    got = store.get("m1")
    assert got is not None
    assert (got.rule, got.rule_kind, got.track_id, got.counts, got.path) == (
        None,
        None,
        None,
        None,
        (),
    )
    assert (got.has_snapshot, got.has_thumbnail) == (True, False)
    assert store.thumbnail("m1") is None


def test_the_thumbnail_goes_with_its_picture(store: EventStore) -> None:
    present = RuleFacts(rule="Lobby", kind="zone", track_id=2)
    store.record(ruled("p1", present, phase="opened", jpeg=JPEG_A))
    store.record(ruled("p1", present, phase="updated"))  # no new picture: both kept
    assert store.thumbnail("p1") == THUMB
    assert store.get("p1").has_thumbnail  # type: ignore[union-attr]
    plain = dataclasses.replace(ruled("p1", present, jpeg=JPEG_B), thumbnail_jpeg=None)
    store.record(plain)  # a new picture without a crop: the old crop no longer matches it
    assert store.snapshot("p1") == JPEG_B
    assert store.thumbnail("p1") is None


def test_search_by_rule_and_label(store: EventStore) -> None:
    crowd = RuleFacts(rule="Crowd", kind="count", peak_count=5)
    store.record(ruled("c1", CROSSING, start_ms=T0 + 1_000))
    store.record(ruled("k1", crowd, start_ms=T0 + 2_000, camera=YARD))
    store.record(report("m1", start_ms=T0 + 3_000))

    def found(query: EventQuery) -> list[str]:
        page = store.search(query)
        assert all(matches(event, query) for event in page.events)  # the live filter agrees
        return [event.id for event in page.events]

    assert found(EventQuery(rules=("Gate in",))) == ["c1"]
    assert found(EventQuery(rules=("Gate in", "Crowd"))) == ["k1", "c1"]
    assert found(EventQuery(rules=("Crowd",), cameras=(GATE,))) == []
    assert found(EventQuery(labels=("person",))) == ["k1", "c1"]
    assert found(EventQuery(labels=("motion",))) == ["m1"]
    assert found(EventQuery(rules=("nothing",))) == []
    [peak] = store.search(EventQuery(rules=("Crowd",))).events
    assert (peak.peak_count, peak.track_id, peak.counts) == (5, None, None)


def test_a_long_path_keeps_its_newest_points(store: EventStore) -> None:
    long = tuple((T0 + i, i / 1000, 0.5) for i in range(MAX_PATH_POINTS + 50))
    store.record(ruled("c1", dataclasses.replace(CROSSING, path=long)))
    got = store.get("c1")
    assert got is not None
    assert got.path == long[-MAX_PATH_POINTS:]


def test_purge_removes_thumbnails_with_their_events(store: EventStore) -> None:
    store.record(ruled("c1", CROSSING, jpeg=JPEG_A))
    assert store.purge(T0 + 10_000) == 1
    assert store.thumbnail("c1") is None and store.get("c1") is None
