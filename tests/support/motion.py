"""A simulated camera made for motion events: its bar moves for ON_S s of every PERIOD_S s, and
the zone SCENE leaves out the top of the picture, where the burnt-in clock changes every frame."""

from __future__ import annotations

from typing import Any

import httpx

PERIOD_S, ON_S = 8, 3
MOTION_SIMULATOR_ARGS = (
    *("--size", "640x360", "--fps", "10", "--bitrate", "500k", "--gop-seconds", "1"),
    *("--audio", "none", "--motion-period", str(PERIOD_S), "--motion-on", str(ON_S)),
)
SCENE: dict[str, Any] = {
    "name": "Scene",
    "kind": "zone",
    "points": [[0, 0.45], [1, 0.45], [1, 1], [0, 1]],
}


def detect_motion_in_scene(client: httpx.Client, camera_id: str) -> None:
    """Draw the zone SCENE, then switch motion detection on, the way a user does it: in this
    order no event can open before the zone applies (one that did would name no zone)."""
    zones = client.put(f"/api/v1/cameras/{camera_id}/zones", json=[SCENE])
    assert zones.status_code == 200, zones.text
    switched = client.patch(f"/api/v1/cameras/{camera_id}", json={"motion": True})
    assert switched.status_code == 200 and switched.json()["motion"] is True, switched.text
