"""What is open at each camera now (the MQTT target's state topics), on SQLite: motion, and
objects counted once per track per label and zone, whatever the number of rules that follow
them; closed events, count rules' events and events older than the horizon count nothing."""

from __future__ import annotations

from tests.unit.events.conftest import GATE, T0, YARD
from vms.core.bus import EventPhase, EventReported, RuleFacts
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.events.open_state import HORIZON_MS, OpenState
from vms.events.store import EventStore


def event(
    event_id: str,
    *,
    camera: CameraId = GATE,
    label: str = "person",
    phase: EventPhase = "opened",
    track: int | None = None,
    kind: str = "zone",
    zones: tuple[str, ...] = (),
    start_ms: int = T0,
) -> EventReported:
    rule = None if label == "motion" else RuleFacts(rule=f"r-{kind}", kind=kind, track_id=track)
    return EventReported(
        event_id=event_id,
        camera_id=camera,
        label=label,
        phase=phase,
        start_ms=start_ms,
        end_ms=None if phase != "closed" else start_ms + 1000,
        score=0.8,
        zones=zones,
        rule=rule,
    )


def test_objects_are_counted_once_per_track(store: EventStore) -> None:
    store.record(event("a", track=1, zones=("door",)))
    store.record(event("b", track=1, kind="loiter", zones=("door", "lawn")))  # same person
    store.record(event("c", track=2, zones=("lawn",)))
    store.record(event("d", label="car", track=3))
    store.record(event("e", track=None, kind="count", zones=("door",)))  # a group: no track
    store.record(event("f", track=4, phase="closed", zones=("door",)))  # over
    store.record(event("g", track=5, camera=YARD))
    state = store.open_state([GATE, YARD], ["person", "car"])
    gate = state[GATE]
    assert not gate.motion
    assert (gate.count("person"), gate.count("car"), gate.count("dog")) == (2, 1, 0)
    assert gate.zone_count("door", "person") == 1
    assert gate.zone_count("lawn", "person") == 2
    assert gate.zone_count("door", "car") == 0
    assert state[YARD].counts == {"person": 1}


def test_motion_is_on_while_a_motion_event_is_open(store: EventStore) -> None:
    store.record(event("m", label="motion"))
    assert store.open_state([GATE, YARD], ["person"]) == {
        GATE: OpenState(motion=True),
        YARD: OpenState(),
    }
    store.record(event("m", label="motion", phase="closed"))
    assert not store.open_state([GATE], [])[GATE].motion


def test_labels_not_asked_for_and_events_beyond_the_horizon_count_nothing(
    store: EventStore, clock: FakeClock
) -> None:
    store.record(event("old", track=1, start_ms=T0 - HORIZON_MS - 1))
    store.record(event("dog", label="dog", track=2))
    assert store.open_state([GATE], ["person"])[GATE] == OpenState()
    assert store.open_state([GATE], ["person", "dog"])[GATE].counts == {"dog": 1}
    clock.advance(HORIZON_MS / 1000 + 1)  # the dog's event is older than the horizon now
    assert store.open_state([GATE], ["person", "dog"])[GATE] == OpenState()
