"""Recording modes: event spans with pre- and post-roll, overlapping events, and their locks."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from vms.config.cameras import CameraConfig
from vms.core.bus import EventPhase, EventReported
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.media.packet import Packet
from vms.recording.gop_buffer import GopBuffer
from vms.recording.modes import (
    DAY_MS,
    EventGate,
    EventTrigger,
    LockSpan,
    Mode,
    RecordingMode,
    store_locks,
)
from vms.storage.locks import EvidenceLocks, LockReason

sqlite_engine = postgres.sqlite_engine
CAM = CameraId("cam1")
EVENTS = RecordingMode(Mode.EVENTS, pre_roll_s=2, post_roll_s=3, event_retention_days=7)


def report(
    event_id: str, phase: EventPhase, start_ms: int, end_ms: int | None = None, cam: str = "cam1"
) -> EventReported:
    return EventReported(event_id, CameraId(cam), "motion", phase, start_ms, end_ms, 0.5, ())


def test_the_mode_comes_from_the_camera_definition() -> None:
    camera = CameraConfig.model_validate(
        {
            "id": "cam1",
            "main_url": "rtsp://cam/main",
            "recording_mode": "EVENTS",
            "pre_roll_s": 2,
            "post_roll_s": 3,
            "event_retention_days": 7,
        }
    )
    assert RecordingMode.of(camera) == EVENTS
    assert RecordingMode.of(CameraConfig(id="c", main_url="rtsp://cam/main")) == RecordingMode()
    assert not RecordingMode().follows_events and EVENTS.follows_events


def test_an_event_is_wanted_from_pre_roll_before_it_to_post_roll_after_it() -> None:
    trigger = EventTrigger(CAM, EVENTS)
    assert trigger.wanted_from(10_000) is None
    trigger.on_event(report("a", "opened", 10_000))
    assert trigger.wanted_from(7_999) is None
    assert trigger.wanted_from(8_000) == 8_000
    assert trigger.wanted_from(60_000) == 8_000  # open: wanted until it closes
    trigger.on_event(report("a", "closed", 10_000, 61_000))
    assert trigger.wanted_from(64_000) == 8_000  # the post-roll
    assert trigger.wanted_from(64_001) is None
    assert trigger.wanted_from(64_000) is None  # forgotten once over


def test_overlapping_events_make_one_stretch_from_the_earliest_until_the_last_post_roll() -> None:
    trigger = EventTrigger(CAM, EVENTS)
    trigger.on_event(report("a", "opened", 10_000))
    trigger.on_event(report("b", "opened", 12_000))
    trigger.on_event(report("a", "closed", 10_000, 13_000))
    assert trigger.wanted_from(15_000) == 8_000
    assert trigger.wanted_from(16_001) == 10_000  # a's post-roll is over, b goes on
    trigger.on_event(report("b", "closed", 12_000, 14_000))
    assert trigger.wanted_from(17_000) == 10_000
    assert trigger.wanted_from(17_001) is None


def test_other_cameras_events_are_ignored() -> None:
    trigger = EventTrigger(CAM, EVENTS)
    trigger.on_event(report("x", "opened", 10_000, cam="cam2"))
    assert trigger.wanted_from(10_000) is None
    assert trigger.take_lock_spans() == []


def test_an_opened_event_locks_its_pre_roll_at_once_and_the_whole_span_when_closed() -> None:
    trigger = EventTrigger(CAM, EVENTS)
    trigger.on_event(report("a", "opened", 10_000))
    trigger.on_event(report("a", "updated", 10_000))
    assert trigger.take_lock_spans() == [LockSpan(8_000, 13_000)]
    trigger.on_event(report("a", "closed", 10_000, 20_000))
    assert trigger.take_lock_spans() == [LockSpan(8_000, 23_000)]
    assert trigger.take_lock_spans() == []


def gop_packet(wall_ms: int) -> Packet:
    return Packet(0, b"x", wall_ms, wall_ms, 40, wall_ms % 1000 == 0, wall_ms, 1)


def test_the_gate_writes_the_pre_roll_then_live_packets_then_stops_after_the_post_roll() -> None:
    trigger = EventTrigger(CAM, EVENTS)
    gate = EventGate(trigger, GopBuffer(EVENTS.buffer_ms, 10**9))
    trigger.on_event(report("a", "closed", 10_000, 11_000))
    written: list[int] = []
    for wall_ms in range(0, 20_000, 40):
        p = gop_packet(wall_ms)
        written += [q.wall_ms for q in gate.route(p, p.keyframe)]
    assert written[0] == 8_000  # the keyframe at event start − pre-roll
    assert written == list(range(8_000, 14_001, 40))  # to the end of the post-roll
    assert not gate.active


def test_an_event_reported_late_still_gets_its_whole_pre_roll() -> None:
    trigger = EventTrigger(CAM, EVENTS)
    gate = EventGate(trigger, GopBuffer(EVENTS.buffer_ms, 10**9))
    written: list[int] = []
    for wall_ms in range(0, 20_000, 40):
        if wall_ms == 13_000:  # analytics reports at 13 s an event that began at 10 s
            trigger.on_event(report("a", "opened", 10_000))
        p = gop_packet(wall_ms)
        written += [q.wall_ms for q in gate.route(p, p.keyframe)]
    assert written[0] == 8_000


@pytest.mark.parametrize("mode", [Mode.EVENTS, Mode.CONTINUOUS_EVENTS])
def test_locks_are_stored_for_the_event_retention(sqlite_engine: Engine, mode: Mode) -> None:
    locks = EvidenceLocks(sqlite_engine, FakeClock(start_ms=1))
    recording = RecordingMode(mode, pre_roll_s=2, post_roll_s=3, event_retention_days=7)
    trigger = EventTrigger(CAM, recording)
    trigger.on_event(report("a", "closed", 10_000, 20_000))
    trigger.on_event(report("b", "closed", 30_000, 31_000))
    assert store_locks(locks, trigger, recording, who="cam1/main") == 2
    stored = locks.list(CAM)
    assert [(lock.start_ms, lock.end_ms) for lock in stored] == [(8_000, 23_000), (28_000, 34_000)]
    assert all(lock.reason is LockReason.EVENT for lock in stored)
    assert [lock.expires_ms for lock in stored] == [23_000 + 7 * DAY_MS, 34_000 + 7 * DAY_MS]
    assert store_locks(locks, trigger, recording, who="cam1/main") == 0


def test_spans_the_database_refuses_are_tried_again(sqlite_engine: Engine) -> None:
    locks = EvidenceLocks(sqlite_engine, FakeClock(start_ms=1))
    trigger = EventTrigger(CAM, EVENTS)
    trigger.on_event(report("a", "closed", 10_000, 20_000))
    sqlite_engine.dispose()
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE evidence_locks RENAME TO gone")
    assert store_locks(locks, trigger, EVENTS, who="cam1/main") == 0
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE gone RENAME TO evidence_locks")
    assert store_locks(locks, trigger, EVENTS, who="cam1/main") == 1
    assert [(lock.start_ms, lock.end_ms) for lock in locks.list(CAM)] == [(8_000, 23_000)]
