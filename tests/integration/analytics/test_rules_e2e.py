"""A line-crossing rule in a real `vms serve`: the simulator's composite scene walks a real
person cut-out across a line drawn on the camera, NanoDet-m (the shipped model) finds the person
in a worker process, the tracker follows it and the rule fires once per crossing, with the
direction, the track, the path and a thumbnail; the live overlay reads the tracked person.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.simulator import simulator_process
from tests.support.vms_process import VmsProcess, wait_for

pytestmark = pytest.mark.slow

LOOP_S = 8.0
# One walker, left to right across the picture in 6 s, then 2 s away before the scene loops.
SCENARIO = {
    "duration_s": LOOP_S,
    "objects": [
        {
            "id": "walker",
            "cutout": "walker-dark",
            "height": 0.4,
            "path": [{"t": 0, "x": -0.08, "y": 0.85}, {"t": 6, "x": 1.08, "y": 0.85}],
        }
    ],
}
# Drawn downwards, so A is the right of the picture: walking left to right is B to A.
GATE = {"name": "gate", "kind": "line", "points": [[0.5, 0.5], [0.5, 0.99]]}
RULE = {"kind": "line", "name": "gate crossing", "line": "gate", "labels": ["person"]}
ANALYTICS = {"detect_default": "always", "detect_fps": 5, "inference_workers": 1}


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    folder = tmp_path_factory.mktemp("rules")
    scenario = folder / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    args = ("--cameras", "1", "--size", "640x360", "--fps", "10", "--audio", "none")
    with simulator_process(*args, "--scene", "composite", "--scenario", str(scenario)) as sim:
        process = VmsProcess(
            folder / "vms",
            [{"id": "cam1", "main_url": sim.url(1)}],
            extra={"analytics": ANALYTICS},
        )
        process.start()
        try:
            assert process.client.put("/api/v1/cameras/cam1/zones", json=[GATE]).status_code == 200
            put = process.client.put("/api/v1/cameras/cam1/rules", json={"rules": [RULE]})
            assert put.status_code == 200, put.text
            yield process
        finally:
            process.close()


def crossings(vms: VmsProcess) -> list[dict[str, Any]]:
    page = vms.client.get("/api/v1/events", params={"camera": "cam1", "rule": RULE["name"]})
    assert page.status_code == 200, page.text
    return sorted(page.json()["events"], key=lambda e: e["start_ms"])


def test_each_crossing_is_one_event_with_its_direction_track_and_pictures(vms: VmsProcess) -> None:
    assert wait_for(lambda: len(crossings(vms)) >= 3, 120), vms.log()[-3000:]
    events = crossings(vms)
    for event in events:
        assert event["label"] == "person", event
        assert event["rule_kind"] == "line" and event["direction"] == "b_to_a", event
        assert event["track_id"] is not None, event
        xs = [x for _, x, _ in event["path"]]
        assert len(xs) >= 2 and xs[-1] > xs[0], event["path"]  # it walked left to right
    # one event per pass of the walker: the scene loops every LOOP_S, never two in one pass
    gaps_s = [(b["start_ms"] - a["start_ms"]) / 1000 for a, b in itertools.pairwise(events)]
    assert all(LOOP_S - 2 <= gap <= LOOP_S + 2 for gap in gaps_s), gaps_s
    assert len({e["track_id"] for e in events}) == len(events)  # a new walker each pass
    counts = [e["counts"] for e in events]
    assert [c["in"] for c in counts] == sorted(c["in"] for c in counts)  # running totals

    last = events[-1]
    assert last["has_thumbnail"], last
    thumbnail = vms.client.get(f"/api/v1/events/{last['id']}/thumbnail.jpg")
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"
    snapshot = vms.client.get(f"/api/v1/events/{last['id']}/snapshot.jpg")
    assert snapshot.status_code == 200 and len(snapshot.content) > len(thumbnail.content)


def test_the_live_overlay_reads_the_tracked_person(vms: VmsProcess) -> None:
    def person_seen() -> bool:
        body = vms.client.get("/api/v1/cameras/cam1/detections").json()
        return any(o["label"] == "person" and o["track_id"] for o in body["objects"])

    assert wait_for(person_seen, 60)
    body = vms.client.get("/api/v1/cameras/cam1/detections").json()
    assert body["width"] > 0 and body["height"] > 0 and body["wall_ms"] > 0
    unknown = vms.client.get("/api/v1/cameras/nope/detections").json()
    assert unknown["objects"] == [] and unknown["wall_ms"] == 0
