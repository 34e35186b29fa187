"""Event search by tracker id and by whether the event's clip has recorded video: a real SQLite
store, and the cameras door's fake listing segments by time as the real one does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.auth import basic_header
from tests.unit.api.fake_backend import FakeBackend, make_app
from tests.unit.api.test_api_events import EVENTS, GATE, T0, YARD, new_service
from vms.config.cameras import CameraConfig
from vms.core.bus import EventReported, RuleFacts
from vms.events.service import EventService

SECOND = 1000


def crossing(event_id: str, start_ms: int, track: int, camera: str = GATE) -> EventReported:
    return EventReported(
        event_id=event_id,
        camera_id=GATE if camera == GATE else YARD,
        label="person",
        phase="closed",
        start_ms=start_ms,
        end_ms=start_ms + 2 * SECOND,
        score=0.8,
        zones=(),
        rule=RuleFacts("gate-line", "line", track_id=track, direction="a_to_b"),
    )


@pytest.fixture
def setup(tmp_path: Path) -> tuple[EventService, FakeBackend, TestClient]:
    service = new_service(tmp_path)
    backend = FakeBackend()
    for camera in (GATE, YARD):
        backend.cameras[camera] = CameraConfig(id=camera, main_url=f"rtsp://h/{camera}")
    app = make_app(backend, events=service)
    return service, backend, TestClient(app, raise_server_exceptions=False, headers=basic_header())


def ids(body: dict[str, Any]) -> list[str]:
    return [event["id"] for event in body["events"]]


def test_search_by_track(setup: tuple[EventService, FakeBackend, TestClient]) -> None:
    service, _, http = setup
    for n, track in enumerate([7, 8, 7, 9]):
        service.on_report(crossing(f"e{n}", T0 + n * 60 * SECOND, track))
    service.on_report(crossing("y0", T0, 7, camera=YARD))
    assert ids(http.get(EVENTS, params={"track": 7, "camera": GATE}).json()) == ["e2", "e0"]
    assert ids(http.get(EVENTS, params={"track": [8, 9]}).json()) == ["e3", "e1"]
    assert ids(http.get(EVENTS, params={"track": 7}).json()) == [
        "e2",
        "y0",
        "e0",
    ]  # y0 and e0 began together: by id
    assert ids(http.get(EVENTS, params={"track": 6}).json()) == []
    assert http.get(EVENTS, params={"track": "x"}).status_code == 422
    assert http.get(EVENTS, params={"track": -1}).status_code == 422


def test_search_by_recorded_clip_pages_without_skipping(
    setup: tuple[EventService, FakeBackend, TestClient], tmp_path: Path
) -> None:
    """Events a minute apart; video recorded around every third one. Pages of two of those
    with a clip, followed by cursor, are exactly them, newest first; the others are those
    without."""
    service, backend, http = setup
    recorded = []
    for n in range(12):
        start_ms = T0 + n * 60 * SECOND
        service.on_report(crossing(f"e{n:02d}", start_ms, n))
        if n % 3 == 0:
            recorded.append(f"e{n:02d}")
            segment = (start_ms - 5 * SECOND, start_ms + 5 * SECOND)
            backend.add_segment(n, tmp_path / f"{n}.mp4", GATE, *segment)
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"has_clip": "true", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = http.get(EVENTS, params=params).json()
        pages.append(ids(body))
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [i for page in pages for i in page] == recorded[::-1]
    assert all(len(page) == 2 for page in pages[:-1])
    without = ids(http.get(EVENTS, params={"has_clip": "false", "limit": 50}).json())
    assert without == sorted({f"e{n:02d}" for n in range(12)} - set(recorded), reverse=True)
    assert http.get(EVENTS, params={"has_clip": "maybe"}).status_code == 422


def test_a_clip_counts_from_its_pre_roll_to_its_post_roll(
    setup: tuple[EventService, FakeBackend, TestClient], tmp_path: Path
) -> None:
    """Video that ends just inside the clip's padding before the event still counts."""
    service, backend, http = setup
    service.on_report(crossing("e0", T0, 1))
    pre_s = service.settings.clip_pre_s
    backend.add_segment(1, tmp_path / "1.mp4", GATE, T0 - 60 * SECOND, T0 - pre_s * SECOND + 1)
    assert ids(http.get(EVENTS, params={"has_clip": "true"}).json()) == ["e0"]
    backend.segments.clear()
    backend.add_segment(2, tmp_path / "2.mp4", GATE, T0 - 60 * SECOND, T0 - pre_s * SECOND)
    assert ids(http.get(EVENTS, params={"has_clip": "true"}).json()) == []
